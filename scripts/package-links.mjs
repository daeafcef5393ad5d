// The README and the CHANGELOG link to docs/, CONTRIBUTING.md and BENCHMARKS.md by paths relative
// to the repository, which the npm package does not ship: read in node_modules or on a registry's
// page, those links would lead nowhere. `absoluteLinks` points them at the same files in the
// repository at the package's tag (`base`: https://github.com/OWNER/REPO/blob/vX.Y.Z/), images at
// their raw bytes, and leaves code (fenced blocks and inline spans), absolute URLs, `mailto:` and
// in-page anchors alone. A link that climbs out of the repository (`../x`) is an error: it has no
// address to point at.

// Inline links and images: `[text](target)`, `[text](target "title")`, `[text](<target>)`.
const INLINE = /(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*(<[^>]*>|[^\s)]+)((?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*)\)/g;
// Reference definitions at the start of a line: `[label]: target "title"`.
const DEFINITION = /^( {0,3}\[[^\]]+\]:[ \t]*)(<[^>]*>|\S+)/gm;

/** Whether `target` (angle brackets removed) is relative to the repository. */
const isRelative = (target) => !/^([a-z][a-z0-9+.-]*:|#|\/\/)/i.test(target) && target !== "";

function absolute(target, base, image) {
  const angled = target.startsWith("<") && target.endsWith(">");
  const inner = angled ? target.slice(1, -1) : target;
  if (!isRelative(inner)) return target;
  const path = inner.replace(/^\.?\//, "");
  if (path.split(/[/?#]/)[0] === "..") throw new Error(`package: the link ${JSON.stringify(inner)} leaves the repository`);
  // GitHub serves a file's page under blob/ and its bytes under raw/: an image needs the bytes.
  const url = (image ? base.replace(/\/blob\//, "/raw/") : base) + path.replace(/ /g, "%20");
  return angled ? `<${url}>` : url;
}

/** Rewrites the links of one text that is not code. */
function rewriteProse(text, base) {
  return text
    .replace(INLINE, (_, bang, label, target, title) => `${bang}[${label}](${absolute(target, base, bang === "!")}${title})`)
    .replace(DEFINITION, (_, head, target) => head + absolute(target, base, false));
}

// A code span: a run of backticks, anything, and a run of as many (CommonMark).
const CODE_SPAN = /(?<!`)(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g;

/** Rewrites the prose of `text` (no fenced block in it), leaving its code spans as they are:
 *  each is held out behind a placeholder while the links around it are rewritten, so that a
 *  link whose label holds code (`[\`x\`](docs/x.md)`) is still one. */
function rewriteOutsideSpans(text, base) {
  const spans = [];
  const held = text.replace(CODE_SPAN, (span) => `\u0000${spans.push(span) - 1}\u0000`);
  return rewriteProse(held, base).replace(/\u0000(\d+)\u0000/g, (_, i) => spans[Number(i)]);
}

/** Rewrites the relative links of `markdown` against `base`, outside fenced blocks and code
 *  spans. */
export function absoluteLinks(markdown, base) {
  if (!/^https:\/\/github\.com\/[^/]+\/[^/]+\/blob\/[^/]+\/$/.test(base)) {
    throw new Error(`package: ${JSON.stringify(base)} is not a https://github.com/OWNER/REPO/blob/TAG/ base`);
  }
  const out = [];
  let prose = [];
  let fence = null; // the opening run of a fenced block while inside one
  const flush = () => {
    if (prose.length !== 0) out.push(rewriteOutsideSpans(prose.join("\n"), base));
    prose = [];
  };
  for (const line of markdown.split("\n")) {
    if (fence === null) {
      const open = line.match(/^ {0,3}(`{3,}|~{3,})/);
      if (!open) {
        prose.push(line);
        continue;
      }
      flush();
      fence = open[1];
    } else if (new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`).test(line)) {
      fence = null;
    }
    out.push(line);
  }
  flush();
  return out.join("\n");
}
