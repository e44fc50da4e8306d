// The key the suite's workers check attested decisions with (the gateway's signing key in production), set for
// every test file and the worker and gateway processes it starts.
process.env.MEND_APPROVAL_KEY ??= 'mend test suite approval key: not a production secret';
