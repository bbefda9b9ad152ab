// The top bar's links to the other pages follow what is in view: each href is set from the
// page's URL whenever it is about to be followed, so Structure opens the model shown and
// Insight the model and image shown (an upload included).
const LINKS = [
  { id: "structure-link", page: "structure", keys: ["model", "order"] },
  { id: "insight-link", page: "insight", keys: ["model", "image"] },
];

function update(link, page, keys) {
  const here = new URLSearchParams(location.search);
  const params = new URLSearchParams();
  for (const key of keys) if (here.get(key)) params.set(key, here.get(key));
  link.href = `${page}${params.size ? `?${params}` : ""}`;
}

for (const { id, page, keys } of LINKS) {
  const link = document.getElementById(id);
  if (!link) continue;
  const follow = () => update(link, page, keys);
  for (const event of ["pointerdown", "focus", "mouseenter"]) link.addEventListener(event, follow);
  follow();
}
