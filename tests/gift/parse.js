// Parse GIFT from standard input with gift-pegjs; print the questions as JSON (or the error).
const { parse } = require("gift-pegjs");
const source = require("fs").readFileSync(0, "utf8");
try {
  process.stdout.write(JSON.stringify(parse(source)));
} catch (err) {
  process.stderr.write(`${err.message} at line ${err.location && err.location.start.line}\n`);
  process.exit(1);
}
