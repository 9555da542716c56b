/** The API gateway's nginx configuration (seed 003), listening unprivileged on 8080. */

export const GATEWAY_PORT = 8080;
export const ECHO_PORT = 8080;

/** Route prefix -> backend Service name. */
export const ROUTES: Readonly<Record<string, string>> = {
    "/api/users": "user-service",
    "/api/products": "product-service",
    "/api/orders": "order-service",
};

export function gatewayConf(routes: Readonly<Record<string, string>> = ROUTES): string {
    const backends = [...new Set(Object.values(routes))];
    return [
        ...backends.map((b) => `upstream ${b} {\n    server ${b}:${ECHO_PORT};\n}`),
        "server {",
        `    listen ${GATEWAY_PORT};`,
        "    location = /health {",
        "        access_log off;",
        "        default_type text/plain;",
        "        return 200 'OK';",
        "    }",
        ...Object.entries(routes).map(([prefix, backend]) => `    location ${prefix} {\n        proxy_pass http://${backend};\n    }`),
        "}",
        "",
    ].join("\n");
}
