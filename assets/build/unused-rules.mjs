// Removes from the compiled stylesheet the design system's rules for
// classes that nothing of ours uses: a component brings all its variants
// (care cards, every tag colour, every grid width), and those unused rules
// were half of what a first visit downloaded. A class counts as used when
// it is written anywhere in the views, our script or the design system's
// script (which adds classes as it enhances a page). Rules without a
// design system class, our own included, are always kept.
//
// Usage: node assets/build/unused-rules.mjs STYLESHEET DESIGN_SYSTEM_SCRIPT FOLDER...
// (rewrites STYLESHEET in place).
import fs from "node:fs";
import path from "node:path";

const [stylesheet, designSystemScript, ...folders] = process.argv.slice(2);
if (!stylesheet || !designSystemScript || folders.length === 0) {
  console.error("usage: unused-rules.mjs STYLESHEET DESIGN_SYSTEM_SCRIPT FOLDER...");
  process.exit(2);
}

const sources = [designSystemScript];
const walk = (folder) => {
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (/\.(templ|go|mjs|js|html)$/.test(entry.name)) sources.push(full);
  }
};
folders.forEach(walk);
const used = new Set();
for (const file of sources) {
  for (const name of fs.readFileSync(file, "utf8").match(/nhsuk-[A-Za-z0-9_-]+/g) ?? []) used.add(name);
}

// The compressed stylesheet is read as a tree of blocks: at-rules that hold
// rules (@media, @supports, ...) and rules with a selector list and a body.
const css = fs.readFileSync(stylesheet, "utf8");
const groupingRule = /^@(media|supports|layer|container)\b/;

// end finds the first of the given characters in text from a position on,
// outside strings and brackets.
function end(text, from, stops) {
  let depth = 0;
  let quote = null;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
    else if (depth === 0 && stops.includes(c)) return i;
  }
  return text.length;
}

// block reads from i to the "}" that closes it, and gives back what to keep.
function block(i) {
  let out = "";
  while (i < css.length && css[i] !== "}") {
    const stop = end(css, i, "{;}");
    if (css[stop] !== "{") {
      out += css.slice(i, stop) + (css[stop] === ";" ? ";" : "");
      i = css[stop] === ";" ? stop + 1 : stop;
      continue;
    }
    const prelude = css.slice(i, stop);
    if (groupingRule.test(prelude)) {
      const [inner, next] = block(stop + 1);
      if (inner) out += prelude + "{" + inner + "}";
      i = next + 1;
      continue;
    }
    let bodyEnd = stop + 1;
    for (let depth = 1; depth > 0; bodyEnd++) {
      const close = end(css, bodyEnd, "{}");
      depth += css[close] === "{" ? 1 : -1;
      bodyEnd = close;
    }
    const body = css.slice(stop + 1, bodyEnd - 1);
    const kept = prelude.startsWith("@") ? [prelude] : selectors(prelude).filter(needed);
    if (kept.length) out += kept.join(",") + "{" + body + "}";
    i = bodyEnd;
  }
  return [out, i];
}

function selectors(list) {
  const out = [];
  for (let start = 0; start <= list.length; ) {
    const stop = end(list, start, ",");
    out.push(list.slice(start, stop));
    start = stop + 1;
  }
  return out;
}

// needed keeps a selector unless it names a design system class no one
// uses. What is inside :not(), :is(), :where() and :has() is left out of
// the check, as a class there need not be on the page for the rule to
// apply.
function needed(selector) {
  let outside = "";
  let depth = 0;
  for (const c of selector) {
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (depth === 0) outside += c;
  }
  return (outside.match(/\.nhsuk-[A-Za-z0-9_-]+/g) ?? []).every((name) => used.has(name.slice(1)));
}

const before = css.length;
const [kept] = block(0);
fs.writeFileSync(stylesheet, kept);
console.log(`${stylesheet}: ${before} bytes, ${kept.length} after leaving out rules for unused design system classes`);
