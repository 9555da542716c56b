/**
 * What a client may send as an order. Strict on purpose: unknown fields are refused rather than
 * stored, so a typo ("quantitiy") is a 400 naming the field instead of an order without quantities.
 * Every message names the offending field the way a client would write it (items[2].quantity).
 */

export interface OrderItem {
    readonly productId: string;
    readonly quantity: number;
}

export interface NewOrder {
    readonly customerId: string;
    readonly items: readonly OrderItem[];
}

export type Validation =
    | { readonly ok: true; readonly order: NewOrder }
    | { readonly ok: false; readonly field: string; readonly message: string };

export const LIMITS = { maxItems: 50, maxQuantity: 1000, maxIdLength: 64 } as const;

// Ids end up inside Redis keys and JSON: a conservative alphabet keeps them boring.
const ID = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,${LIMITS.maxIdLength - 1}}$`);
const ID_RULE = `a string of 1 to ${LIMITS.maxIdLength} letters, digits, '.', '_' or '-', starting with a letter or digit`;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function unknownField(value: Record<string, unknown>, allowed: readonly string[], at: string): Validation | undefined {
    const extra = Object.keys(value).find((k) => !allowed.includes(k));
    if (extra === undefined) return undefined;
    const field = at === "" ? extra : `${at}.${extra}`;
    return { ok: false, field, message: `${field} is not allowed; ${at === "" ? "an order" : at} has only ${allowed.join(" and ")}` };
}

function checkId(value: unknown, field: string): Validation | undefined {
    if (value === undefined) return { ok: false, field, message: `${field} is required: ${ID_RULE}` };
    if (typeof value !== "string" || !ID.test(value)) return { ok: false, field, message: `${field} must be ${ID_RULE}` };
    return undefined;
}

export function validateOrder(body: unknown): Validation {
    if (!isObject(body)) return { ok: false, field: "body", message: "the body must be a JSON object {customerId, items}" };
    const bad = unknownField(body, ["customerId", "items"], "") ?? checkId(body.customerId, "customerId");
    if (bad) return bad;
    const items = body.items;
    if (!Array.isArray(items) || items.length === 0) {
        return { ok: false, field: "items", message: "items must be a non-empty list of {productId, quantity}" };
    }
    if (items.length > LIMITS.maxItems) {
        return { ok: false, field: "items", message: `items has ${items.length} entries; at most ${LIMITS.maxItems} are allowed` };
    }
    const checked: OrderItem[] = [];
    for (const [i, item] of items.entries()) {
        const at = `items[${i}]`;
        if (!isObject(item)) return { ok: false, field: at, message: `${at} must be an object {productId, quantity}` };
        const itemBad = unknownField(item, ["productId", "quantity"], at) ?? checkId(item.productId, `${at}.productId`);
        if (itemBad) return itemBad;
        const q = item.quantity;
        if (typeof q !== "number" || !Number.isInteger(q) || q < 1 || q > LIMITS.maxQuantity) {
            return { ok: false, field: `${at}.quantity`, message: `${at}.quantity must be a whole number from 1 to ${LIMITS.maxQuantity}` };
        }
        checked.push({ productId: item.productId as string, quantity: q });
    }
    return { ok: true, order: { customerId: body.customerId as string, items: checked } };
}
