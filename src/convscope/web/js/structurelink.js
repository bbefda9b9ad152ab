// The top bar's Structure link follows the model in view: its href is set from the
// page's URL (?model=…&order=…) whenever it is about to be followed.
const link = document.getElementById("structure-link");

function update() {
  const here = new URLSearchParams(location.search);
  const params = new URLSearchParams();
  for (const key of ["model", "order"]) if (here.get(key)) params.set(key, here.get(key));
  link.href = `structure${params.size ? `?${params}` : ""}`;
}

for (const event of ["pointerdown", "focus", "mouseenter"]) link.addEventListener(event, update);
update();
