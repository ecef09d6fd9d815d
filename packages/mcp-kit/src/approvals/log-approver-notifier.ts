import type { Logger } from '../logging/logger';
import { notificationOf, type ApproverNotifier } from './approver-notifier';

/** Local mode: the notification goes to the server's log (and `npm run approvals -- list` shows it). */
export function createLogApproverNotifier(logger: Logger, consoleUrl?: string): ApproverNotifier {
  return {
    notify: async (request) => {
      const { subject, message } = notificationOf(request, consoleUrl);
      logger.info(subject, { approvalId: request.approval_id, notification: message });
    },
  };
}
