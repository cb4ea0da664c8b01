-- The inbox pages (issue #12, "active chat").

-- The nav's unread badge is read on every page a company user loads: it sums `unread` over the company's open threads
-- with unread messages. Only those threads are in this index (a handful per company, whatever the inbox's size), and
-- `unread` is in it, so the sum is an index-only scan of a few entries.
CREATE INDEX conversations_company_unread ON campaigns.conversations (company_id) INCLUDE (unread)
    WHERE unread > 0 AND done_at IS NULL;

-- Retention deletes threads whose last message is older than the setting, oldest first, in batches.
CREATE INDEX conversations_last_at ON campaigns.conversations (last_at);
