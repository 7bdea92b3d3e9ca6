// Checks a `pulumi preview --json` of the default lab: the components every lab must have are
// planned, with the right counts for the default spec (2 nodes, 3 networks), and nothing secret
// appears in plain text. Exits non-zero with the reason otherwise.
"use strict";
const fs = require("node:fs");

const preview = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const steps = preview.steps || [];
// A URN's type part is the parent chain joined by "$"; the resource's own type is the last link.
const typeOf = (urn) => urn.split("::")[2].split("$").pop();
const count = {};
for (const s of steps) {
  const t = typeOf(s.urn);
  count[t] = (count[t] || 0) + 1;
}

const expected = {
  "kvmlab:lab:HaLab": 1,
  "kvmlab:host:KvmHost": 1,
  "kvmlab:image:BaseImage": 1,
  "kvmlab:network:LabNetwork": 3,
  "kvmlab:node:ClusterNode": 2,
  "kvmlab:storage:IscsiTarget": 1,
  "kvmlab:storage:GlusterVolume": 1,
  "kvmlab:cluster:HaCluster": 1,
  "kvmlab:cluster:FenceDevice": 1,
  "kvmlab:cluster:ServiceGroup": 1,
};
const problems = [];
for (const [type, n] of Object.entries(expected)) {
  if (count[type] !== n) problems.push(`${type}: expected ${n}, planned ${count[type] || 0}`);
}
const dynamic = Object.entries(count)
  .filter(([t]) => t.startsWith("pulumi-nodejs:dynamic/"))
  .reduce((n, [, c]) => n + c, 0);
if (dynamic < 28)
  problems.push(`expected at least 28 dynamic resources in the default lab, planned ${dynamic}`);
const notCreate = steps.filter((s) => s.op !== "create");
if (notCreate.length)
  problems.push(`a fresh stack should only create: ${notCreate.map((s) => s.op + " " + s.urn)}`);

const text = JSON.stringify(preview);
if (/BEGIN OPENSSH PRIVATE KEY/.test(text))
  problems.push("a private key appears in plain text in the preview");

console.log(`preview: ${steps.length} resources planned`);
for (const [t, n] of Object.entries(count).sort()) console.log(`  ${String(n).padStart(3)}  ${t}`);
if (problems.length) {
  console.error("preview check FAILED:\n  " + problems.join("\n  "));
  process.exit(1);
}
console.log("preview check passed");
