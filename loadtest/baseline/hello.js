// The trivial function of the load test's baseline: no dependencies, no initialisation of its
// own, so its cold start is the emulator's (or Lambda's) alone. Answers the HTTP API with the
// same `x-cold-start` header as the cartoon API, so both are read the same way.
let coldStart = true;

exports.handler = async () => {
  const cold = coldStart;
  coldStart = false;
  return {
    statusCode: 200,
    headers: { 'content-type': 'text/plain', 'x-cold-start': String(cold) },
    body: 'hello',
  };
};
