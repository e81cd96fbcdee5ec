// Files dropped on an element: `onFile` gets the first one; the element is outlined (`.dropping`) while a
// file is held over it.
export function acceptDrops(element, onFile) {
  element.addEventListener('dragover', (event) => { event.preventDefault(); element.classList.add('dropping'); });
  element.addEventListener('dragleave', () => element.classList.remove('dropping'));
  element.addEventListener('drop', (event) => {
    event.preventDefault();
    element.classList.remove('dropping');
    const file = event.dataTransfer.files[0];
    if (file) onFile(file);
  });
}
