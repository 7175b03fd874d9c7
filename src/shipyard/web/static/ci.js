// A running step's log: <pre data-stream="URL"> follows the API's log stream (one JSON LogEntry
// per message, its text in base64; `eof` when the step is over), then the page shows the step's
// outcome (`data-done`).
(() => {
  const decoder = new TextDecoder();
  const text = (entry) => decoder.decode(Uint8Array.from(atob(entry.data), (c) => c.charCodeAt(0)));
  const follow = (log) => {
    const source = new EventSource(log.dataset.stream);
    source.onmessage = (message) => {
      const line = text(JSON.parse(message.data));
      log.textContent += line.endsWith("\n") ? line : line + "\n";
      log.scrollTop = log.scrollHeight;
    };
    source.addEventListener("eof", () => {
      source.close();
      window.location.replace(log.dataset.done);
    });
  };
  const start = () => document.querySelectorAll("pre[data-stream]").forEach(follow);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
