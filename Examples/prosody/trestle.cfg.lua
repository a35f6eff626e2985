-- Prosody: declare Trestle as an external component (XEP-0114).
-- Add to prosody.cfg.lua (or a file it includes), then `prosodyctl reload`.

-- The component port listens on loopback only: Trestle runs on the same host.
component_ports = { 5347 }
component_interfaces = { "127.0.0.1" }

-- The domain must equal `component.jid` in Trestle's config, and the secret
-- `component.secret` (or the value behind `secret_env` / `secret_file`).
Component "trestle.example.org"
    component_secret = "change-me"
