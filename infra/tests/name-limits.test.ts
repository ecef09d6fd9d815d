import { deploymentPlan, loadStageConfig, resourceNameProblems } from '../src/index';

describe('derived resource names', () => {
  it.each(['dev', 'production'])('the shipped %s stage derives only names AWS accepts', (stage) => {
    expect(resourceNameProblems(loadStageConfig(stage))).toEqual([]);
  });

  it('a stage name with a double dash makes an Aurora cluster identifier AWS refuses, named before anything deploys', () => {
    expect(resourceNameProblems({ stage: 'qa--eu', account: '111111111111' })).toEqual([
      'Aurora cluster identifier "gmcp-qa--eu-ops" is not valid (a letter first, then letters, digits and single hyphens, not ending with a hyphen): change the stage name "qa--eu"',
    ]);
  });

  it('a stage name ending in a dash is refused by the bucket and cluster rules', () => {
    const problems = resourceNameProblems({ stage: 'qa-', account: '111111111111' });
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^Aurora cluster identifier "gmcp-qa--ops" is not valid/)]));
  });

  it('names over a service\'s length limit say how long they are and what to shorten', () => {
    const problems = resourceNameProblems({ stage: 'a-very-long-stage-name-for-the-team'.slice(0, 40), account: '111111111111' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Lambda function and IAM role name "gmcp-a-very-long-stage-name-for-the-team-ops-writer-approval-notifier" is \d+ characters, over 64: shorten the stage name/),
        expect.stringMatching(/^S3 bucket name "gmcp-a-very-long-stage-name-for-the-team-audit-digests-111111111111" is \d+ characters, over 63/),
      ]),
    );
  });

  it('the deployment plan refuses a stage whose names AWS would refuse', () => {
    const config = { ...loadStageConfig('dev'), stage: 'qa--eu' };
    expect(() => deploymentPlan('qa--eu', undefined, config)).toThrow(/Stage "qa--eu" derives names AWS would refuse:\n {2}- Aurora cluster identifier/);
  });
});
