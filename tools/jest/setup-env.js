// The AWS SDK warns once per process that releases after January 2027 need Node 22
// (our Lambda runtime); the local machines run Node 20, which current releases support.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
