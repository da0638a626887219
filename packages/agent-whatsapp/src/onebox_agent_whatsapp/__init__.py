"""onebox-agent-whatsapp: the WhatsApp sales agent."""
