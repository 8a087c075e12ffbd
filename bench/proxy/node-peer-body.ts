// The upstream's answer, the same whichever server plays the upstream (nginx or node:http).
export const UPSTREAM_BODY = 'hello from the upstream\n';
