/** Text for HTML and SVG: the five characters that could end a text or an attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * JSON to put inside `<script type="application/json">`: `<` is written `\u003c`, so no
 * value can close the element (`</script>`) or open a comment; JSON.parse reads it back
 * unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}
