/**
 * The guestbook page: a form and the list of entries, plain JS with fetch. It keeps upstream's data
 * format (one comma-joined string under the key "messages": read it, append ",entry", set it back),
 * so a client of the upstream sample sees the same data. Entries are shown with textContent, never
 * as HTML, so an entry cannot inject markup.
 */
export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Guestbook</title>
<style>
  body { font-family: sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
  form { display: flex; gap: .5rem; } input { flex: 1; padding: .4rem; }
  #error { color: #b00020; } li { padding: .2rem 0; }
</style>
</head>
<body>
<h1>Guestbook</h1>
<form id="form">
  <input id="entry" name="entry" maxlength="1000" autocomplete="off" placeholder="Your message" required>
  <button type="submit">Submit</button>
</form>
<p id="error" role="alert"></p>
<ul id="entries"></ul>
<script>
"use strict";
const KEY = "messages";
const api = (params) => fetch("guestbook.php?" + new URLSearchParams(params)).then(async (res) => {
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error || ("HTTP " + res.status));
  return body;
});
const show = (value) => {
  const list = document.getElementById("entries");
  list.replaceChildren(...value.split(",").filter((e) => e !== "").map((e) => {
    const li = document.createElement("li");
    li.textContent = e;
    return li;
  }));
};
const fail = (e) => { document.getElementById("error").textContent = e.message; };
const load = () => api({ cmd: "get", key: KEY }).then((b) => { show(b.data); return b.data; });
document.getElementById("form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const input = document.getElementById("entry");
  const entry = input.value.trim();
  if (entry === "") return;
  try {
    const current = await load();
    const value = current + "," + entry;
    await api({ cmd: "set", key: KEY, value });
    show(value);
    input.value = "";
    document.getElementById("error").textContent = "";
  } catch (e) { fail(e); }
});
load().catch(fail);
setInterval(() => load().catch(fail), 5000);
</script>
</body>
</html>
`;
