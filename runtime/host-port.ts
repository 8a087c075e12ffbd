// `host:port` as a URL authority writes it: an IPv6 literal in brackets (`[fd00::1]:15006`). One
// spelling for endpoint keys, request authorities, error messages and what admin and explain show.

export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
