/**
 * Files in and out of the page: downloading bytes as a file, and drop zones that take
 * files dragged from the desktop.
 */

/**
 * Downloads `bytes` as a file called `name`.
 * @param {Uint8Array} bytes
 * @param {string} name
 */
export function downloadBytes(bytes, name) {
  const file = new Blob([bytes], { type: 'application/octet-stream' });
  const url = URL.createObjectURL(file);

  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * Makes `zone` take dropped files: while files are dragged over it, it has
 * `data-drop="over"` (for the highlight); on a drop, `onFiles` gets them.
 * @param {HTMLElement} zone
 * @param {(files: File[]) => void} onFiles
 */
export function acceptDrops(zone, onFiles) {
  zone.addEventListener('dragover', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    zone.dataset.drop = 'over';
  });

  zone.addEventListener('dragleave', (event) => {
    if (!zone.contains(event.relatedTarget)) delete zone.dataset.drop;
  });

  zone.addEventListener('drop', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    delete zone.dataset.drop;
    onFiles([...event.dataTransfer.files]);
  });
}

/**
 * Keeps the browser from opening a file dropped outside every drop zone, which would
 * leave the page. Call once.
 */
export function refuseStrayDrops() {
  document.addEventListener('dragover', (event) => {
    if (!carriesFiles(event) || event.defaultPrevented) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'none';
  });

  document.addEventListener('drop', (event) => {
    if (carriesFiles(event) && !event.defaultPrevented) event.preventDefault();
  });
}

function carriesFiles(event) {
  return event.dataTransfer?.types.includes('Files') ?? false;
}
