/** Vite's `?raw` imports give a file's text; the tests use them to read documents without Node's fs. */
declare module '*?raw' {
  const text: string;
  export default text;
}
