// These tests drive whole servers, browsers and child processes on a machine we do not choose:
// a test that fails is run once more, its first failure printed, and the closing summary of
// `npm test` names every test that passed only on its second run.
jest.retryTimes(1, { logErrorsBeforeRetry: true });
