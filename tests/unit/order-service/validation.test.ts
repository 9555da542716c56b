import * as assert from "assert/strict";
import { validateOrder } from "../../../services/order-service/src/validation";

const item = { productId: "sku-1", quantity: 2 };

describe("order service: order validation", () => {
    it("accepts an order and keeps only what it checked", () => {
        assert.deepEqual(validateOrder({ customerId: "c.42", items: [item, { productId: "B_7", quantity: 1000 }] }), {
            ok: true, order: { customerId: "c.42", items: [item, { productId: "B_7", quantity: 1000 }] },
        });
    });

    const cases: [string, unknown, string, string][] = [
        ["a list instead of an object", [item], "body", "the body must be a JSON object {customerId, items}"],
        ["null", null, "body", "the body must be a JSON object {customerId, items}"],
        ["no customerId", { items: [item] }, "customerId", "customerId is required: a string of 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"],
        ["a numeric customerId", { customerId: 42, items: [item] }, "customerId", "customerId must be a string of 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"],
        ["a customerId with a colon", { customerId: "a:b", items: [item] }, "customerId", "customerId must be a string of 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"],
        ["a 65-character customerId", { customerId: "c".repeat(65), items: [item] }, "customerId", "customerId must be a string of 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"],
        ["an unknown field", { customerId: "c1", items: [item], total: 3 }, "total", "total is not allowed; an order has only customerId and items"],
        ["no items", { customerId: "c1" }, "items", "items must be a non-empty list of {productId, quantity}"],
        ["an empty item list", { customerId: "c1", items: [] }, "items", "items must be a non-empty list of {productId, quantity}"],
        ["51 items", { customerId: "c1", items: Array(51).fill(item) }, "items", "items has 51 entries; at most 50 are allowed"],
        ["an item that is a string", { customerId: "c1", items: ["sku-1"] }, "items[0]", "items[0] must be an object {productId, quantity}"],
        ["a misspelt item field", { customerId: "c1", items: [item, { productId: "p", quantitiy: 1 }] }, "items[1].quantitiy", "items[1].quantitiy is not allowed; items[1] has only productId and quantity"],
        ["an item without productId", { customerId: "c1", items: [{ quantity: 1 }] }, "items[0].productId", "items[0].productId is required: a string of 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"],
        ["quantity 0", { customerId: "c1", items: [{ productId: "p", quantity: 0 }] }, "items[0].quantity", "items[0].quantity must be a whole number from 1 to 1000"],
        ["quantity 1.5", { customerId: "c1", items: [{ productId: "p", quantity: 1.5 }] }, "items[0].quantity", "items[0].quantity must be a whole number from 1 to 1000"],
        ["quantity as a string", { customerId: "c1", items: [{ productId: "p", quantity: "2" }] }, "items[0].quantity", "items[0].quantity must be a whole number from 1 to 1000"],
        ["quantity 1001", { customerId: "c1", items: [{ productId: "p", quantity: 1001 }] }, "items[0].quantity", "items[0].quantity must be a whole number from 1 to 1000"],
    ];
    for (const [what, body, field, message] of cases) {
        it(`refuses ${what}, naming the field`, () => assert.deepEqual(validateOrder(body), { ok: false, field, message }));
    }
});
