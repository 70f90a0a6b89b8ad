// Checks a delivery with the Standard Webhooks reference library, which
// shares no code with the service's signing: it reads
// {"secret", "body", "headers"} as JSON on standard input and prints the
// payload's type once the signature is verified, or fails.
const { Webhook } = require("standardwebhooks");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const { secret, body, headers } = JSON.parse(input);
  const payload = new Webhook(secret).verify(body, headers);
  process.stdout.write("verified " + payload.type + "\n");
});
