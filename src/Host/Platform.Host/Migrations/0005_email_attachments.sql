-- Files sent with a queued email (Shared SendEmail.Attachments), e.g. the invoice PDF with a payment receipt: queued in
-- the same transaction as the email, read by the sending job with its batch, and gone with the email (30 days after it
-- is final, or when its recipient's data is erased).
CREATE TABLE platform.email_attachments (
    email_id     uuid         NOT NULL REFERENCES platform.emails (id) ON DELETE CASCADE,
    position     smallint     NOT NULL,
    file_name    varchar(200) NOT NULL,
    content_type varchar(100) NOT NULL,
    content      bytea        NOT NULL,
    PRIMARY KEY (email_id, position)
);
