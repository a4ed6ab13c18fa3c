"""The demo district (演示区县): 广安区 with its real departments and generated people. See docs/demo-logins.md."""
