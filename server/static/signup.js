// Sign-up: when the province changes, load its communes and wards into the ward list.
// Without this script the form still works: "show the communes and wards" re-renders it.
const province = document.getElementById("f-province");
const ward = document.getElementById("f-ward");
const button = document.getElementById("show-wards");

if (province && ward) {
  if (button) button.hidden = true;
  province.addEventListener("change", async () => {
    const placeholder = ward.options[0].cloneNode(true);
    ward.replaceChildren(placeholder);
    if (!province.value) return;
    const url = `${province.dataset.wardsUrl}?province=${encodeURIComponent(province.value)}`;
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      for (const item of await response.json()) {
        ward.add(new Option(item.name, String(item.code)));
      }
    } catch {
      if (button) button.hidden = false; // fall back to the server-rendered list
    }
  });
}
