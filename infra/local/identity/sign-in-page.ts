/** The local sign-in page: a user name and nothing else, with no inline script or style. */

export const SIGN_IN_STYLESHEET = `body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#1f2328}
.banner{border:2px solid #bf8700;background:#fff8c5;padding:.75rem 1rem;border-radius:6px}
label{display:block;margin:1.5rem 0 .5rem;font-weight:600}
input[type=text]{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1.25rem;font-size:1rem}
.error{color:#cf222e}
`;

export function signInPage(options: {
  action: string;
  interaction: string;
  stylesheet: string;
  clientName: string;
  error?: string;
  username?: string;
}): string {
  const error = options.error
    ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Local sign-in — not a real identity provider</title>
<link rel="stylesheet" href="${escapeHtml(options.stylesheet)}">
</head>
<body>
<main>
<h1>Local sign-in</h1>
<p class="banner"><strong>Local sign-in — not a real identity provider.</strong>
Anyone can sign in here as any user name; no password is asked. Deployed, this is Amazon Cognito's sign-in page.</p>
<form method="post" action="${escapeHtml(options.action)}">
<input type="hidden" name="interaction" value="${escapeHtml(options.interaction)}">
<label for="username">User name for ${escapeHtml(options.clientName)}</label>
<input type="text" id="username" name="username" required maxlength="64" pattern="[A-Za-z0-9._@+\\-]{1,64}" autocomplete="username" autofocus value="${escapeHtml(options.username ?? '')}">
${error}
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
`;
}

export function errorPage(message: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Local sign-in: error</title></head>
<body><h1>Local sign-in cannot continue</h1><p>${escapeHtml(message)}</p></body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );
}
