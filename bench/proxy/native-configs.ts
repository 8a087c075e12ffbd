// Configuration files for the native peers: nginx (as the measured reverse proxy, and as the tiny
// upstream every peer forwards to) and haproxy. One process each (`master_process off`, `nbthread 1`),
// so the PID we pin and read in /proc is the one doing the work; keep-alive on both sides, no access
// log, connection reuse effectively unlimited (nginx closes a keep-alive connection after 1,000
// requests by default, which would add reconnects to its figures).

/** nginx answering every request itself with a small body: the shared upstream. */
export function nginxUpstreamConfig(dir: string, port: number, body: string, asRoot: boolean): string {
  return nginxConfig(dir, asRoot, [
    `  server {`,
    `    listen 127.0.0.1:${port} backlog=4096;`,
    `    keepalive_requests 100000000;`,
    `    keepalive_timeout 300s;`,
    `    location / { default_type text/plain; return 200 ${JSON.stringify(body)}; }`,
    `  }`,
  ]);
}

/** nginx as a keep-alive reverse proxy to the upstream. */
export function nginxProxyConfig(dir: string, port: number, upstreamPort: number, asRoot: boolean): string {
  return nginxConfig(dir, asRoot, [
    `  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 256; keepalive_requests 100000000; }`,
    `  server {`,
    `    listen 127.0.0.1:${port} backlog=4096;`,
    `    keepalive_requests 100000000;`,
    `    keepalive_timeout 300s;`,
    `    location / {`,
    `      proxy_pass http://app;`,
    `      proxy_http_version 1.1;`,
    `      proxy_set_header Connection "";`,
    `    }`,
    `  }`,
  ]);
}

function nginxConfig(dir: string, asRoot: boolean, server: readonly string[]): string {
  return [
    'daemon off;',
    'master_process off;',
    'worker_processes 1;',
    // As root nginx would switch to `nobody`, who cannot write the private temp directory.
    ...(asRoot ? ['user root;'] : []),
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    'events { worker_connections 8192; }',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${dir}/client-body;`,
    `  proxy_temp_path ${dir}/proxy;`,
    `  fastcgi_temp_path ${dir}/fastcgi;`,
    `  uwsgi_temp_path ${dir}/uwsgi;`,
    `  scgi_temp_path ${dir}/scgi;`,
    ...server,
    '}',
    '',
  ].join('\n');
}

export function haproxyConfig(port: number, upstreamPort: number): string {
  return [
    'global',
    '  nbthread 1',
    '  maxconn 4000',
    'defaults',
    '  mode http',
    '  timeout connect 5s',
    '  timeout client 300s',
    '  timeout server 300s',
    '  timeout http-keep-alive 300s',
    '  http-reuse always',
    'frontend bench',
    `  bind 127.0.0.1:${port}`,
    '  default_backend app',
    'backend app',
    `  server up 127.0.0.1:${upstreamPort} maxconn 1000`,
    '',
  ].join('\n');
}
