"""Applications and cases (申请与办件): apply once, parallel review on the legal-time engine, decisions, notices."""
