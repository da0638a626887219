// PM2 alternative to the systemd units, for hosts that do not run everything under systemd.
//
//   uv run --frozen onebox migrate          # first: PM2 has no oneshot-before-start ordering
//   pm2 start infra/pm2/ecosystem.config.js
//   pm2 save && pm2 startup                  # come back after a reboot
//
// Each service runs through `uv run` from the checkout (ONEBOX_HOME, default: two folders up),
// with a memory cap (graceful restart past it), a staggered recycle every six hours and an
// exponential restart backoff, as the original PM2 setup did. Settings come from the
// environment PM2 was started with (ONEBOX_DATABASE_URL, tokens, ...); only the ports and the
// log format are set here. Override per host with ONEBOX_PM2_* variables (see
// docs/operations.md). Services listen on 127.0.0.1 unless ONEBOX_HOST says otherwise.
"use strict";

const path = require("path");

const env = process.env;
const home = env.ONEBOX_HOME || path.resolve(__dirname, "..", "..");
const uv = env.ONEBOX_PM2_UV || "uv";
const maxMemory = env.ONEBOX_PM2_MAX_MEMORY || "3G";
const recycle = env.ONEBOX_PM2_RECYCLE !== "off";

function app(name, pkg, command, { port, minute, args = "" }) {
  const portEnv = port ? { ONEBOX_PORT: String(port) } : {};
  return {
    name,
    cwd: home,
    script: uv,
    args: `run --frozen --no-sync --package ${pkg} ${command} ${args}`.trim(),
    interpreter: "none",
    exec_mode: "fork",
    instances: 1,
    autorestart: true,
    // PM2 checks memory every 30 s and restarts gracefully past the mark (SIGINT, then
    // SIGKILL after kill_timeout); systemd's MemoryHigh/MemoryMax is the stricter equivalent.
    max_memory_restart: maxMemory,
    // staggered recycling: never two services restarting in the same minute
    cron_restart: recycle ? `${minute} */6 * * *` : undefined,
    // 100 ms, x1.5 per failed start, capped at 15 s; reset after 30 s of uptime
    exp_backoff_restart_delay: 100,
    min_uptime: "10s",
    kill_timeout: 15000,
    treekill: true,
    time: true,
    merge_logs: true,
    env: { ONEBOX_LOG_FORMAT: "json", ...portEnv },
  };
}

module.exports = {
  apps: [
    app("onebox-orchestrator", "onebox-orchestrator", "onebox-orchestrator", {
      port: env.ONEBOX_PM2_ORCHESTRATOR_PORT || 3003,
      minute: 0,
    }),
    app("onebox-telegram", "onebox-agent-telegram", "onebox-telegram", {
      port: env.ONEBOX_PM2_TELEGRAM_PORT || 3001,
      minute: 20,
    }),
    app("onebox-whatsapp", "onebox-agent-whatsapp", "onebox-whatsapp", {
      port: env.ONEBOX_PM2_WHATSAPP_PORT || 3002,
      minute: 40,
    }),
    app("onebox-metrics", "onebox-metrics", "onebox-metrics", {
      minute: 50,
      args: "export --every 15",
    }),
    // Retention: the orchestrator purges every hour by itself; this runs the same rules
    // (`onebox purge`, the ONEBOX_*_RETENTION_DAYS settings) once a night as well, and
    // stays stopped in between (autorestart off; PM2's cron starts it again).
    {
      name: "onebox-purge",
      cwd: home,
      script: uv,
      args: "run --frozen --no-sync --package onebox onebox purge",
      interpreter: "none",
      exec_mode: "fork",
      instances: 1,
      autorestart: false,
      cron_restart: "33 4 * * *",
      time: true,
      env: { ONEBOX_LOG_FORMAT: "json" },
    },
  ],
};
