"""Chat notifications: one message rendered as Slack, Discord or Microsoft Teams webhook payloads."""
