"""The 12345 hotline and mayor's mailbox (12345 热线 / 市长信箱): work orders from intake to rating."""
