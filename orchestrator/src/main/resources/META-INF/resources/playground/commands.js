// A generation's request as commands to paste in a shell: curl against REST, grpcurl against gRPC. Images are read
// from files named after their field (the user has them), so that the command stays short.
import { toJson } from './request.js';

const GENERATE = 'refiners.orchestrator.v1.Orchestrator/Generate';

export function curl(request, location) {
  const many = (request.body.num_images || 1) > 1;
  return [
    `curl -s ${location.origin}/v1/images -H 'content-type: application/json'`,
    ...auth(request),
    many ? `-H 'accept: application/json'` : `-o image.png`,
    `-d ${body(request)}`,
  ].join(' \\\n     ');
}

export function grpcurl(request, location) {
  return [
    `grpcurl ${location.protocol === 'https:' ? '' : '-plaintext '}-max-msg-sz 67108864`,
    ...auth(request),
    `-d ${body(request)}`,
    `${location.hostname}:${location.port || (location.protocol === 'https:' ? 443 : 80)} ${GENERATE}`,
  ].join(' \\\n    ');
}

/** The key stays out of the command: it reads $REFINERS_API_KEY. */
const auth = request => (request.withKey ? [`-H "authorization: Bearer $REFINERS_API_KEY"`] : []);

/** The JSON in single quotes, each image field spliced in as "$(base64 -w0 FIELD.png)". */
function body(request) {
  const files = [];
  const json = toJson(request.body, (key, value) => {
    if (typeof value !== 'string' || !request.images.has(value)) return value;
    files.push(request.images.get(value));
    return `@@${files.length - 1}@@`;
  });
  const quoted = `'${json.replaceAll("'", `'\\''`)}'`;
  return quoted.replace(/"@@(\d+)@@"/g, (m, i) => `"'"$(base64 -w0 ${files[i]})"'"`);
}
