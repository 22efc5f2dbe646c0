// Starts GraphiQL on /graphql. A file, not an inline script, so that the page's
// Content-Security-Policy can allow scripts from 'self' only.
(() => {
  "use strict";

  const endpoint = new URL(window.location.href);
  endpoint.search = "";
  endpoint.hash = "";
  const socketEndpoint = new URL(endpoint);
  socketEndpoint.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";

  const DEFAULT_HEADERS = '{"Authorization": "Bearer <key>"}';
  const DEFAULT_QUERY = `# Stoplist's GraphQL API.
#
# Your API key goes in the Headers tab below:
#   {"Authorization": "Bearer <key>"}
# Subscriptions (optOutEvents) send the same header,
# over a WebSocket.
#
# Run: Ctrl-Enter. Complete: Ctrl-Space.
# The schema: the Docs button, top left.

{
  organization {
    id
    name
  }
}
`;

  const overHttp = GraphiQL.createFetcher({ url: endpoint.href, enableIncrementalDelivery: false });

  // The server authenticates a WebSocket once, from its connection_init payload, so a client
  // serves one set of headers: other headers get a new client. graphql-ws connects lazily and
  // closes the socket after its last subscription, so a replaced client goes away by itself.
  let socket = { headers: null, client: null };

  function clientFor(headers) {
    const key = JSON.stringify(headers);
    if (socket.headers !== key) {
      socket = {
        headers: key,
        client: graphqlWs.createClient({
          url: socketEndpoint.href,
          connectionParams: headers,
          // 4403: the server refused the key; only other headers, so another client, can fix that.
          shouldRetry: (reason) => reason instanceof CloseEvent && reason.code !== 4403,
        }),
      };
    }
    return socket.client;
  }

  function overSocket(params, headers) {
    return {
      subscribe(sink) {
        const unsubscribe = clientFor(headers).subscribe(params, {
          next: (result) => sink.next(result),
          complete: () => sink.complete(),
          error: (error) => sink.error(readable(error)),
        });
        return { unsubscribe };
      },
    };
  }

  // graphql-ws reports a refused or broken socket as an Event, which GraphiQL shows as {}; a
  // plain object rather than an Error, so GraphiQL shows the message without our stack trace.
  function readable(error) {
    if (error instanceof CloseEvent) {
      return { message: `The WebSocket closed: ${error.code} ${error.reason}`.trim() };
    }
    if (error instanceof Event) {
      return { message: `The WebSocket to ${socketEndpoint.href} failed: see the browser's console.` };
    }
    return error;
  }

  function isSubscription(document, operationName) {
    const operations = (document ? document.definitions : []).filter((d) => d.kind === "OperationDefinition");
    const operation = operationName
      ? operations.find((o) => o.name && o.name.value === operationName)
      : operations[0];
    return operation !== undefined && operation.operation === "subscription";
  }

  function fetcher(params, options) {
    const headers = (options && options.headers) || {};
    if (isSubscription(options && options.documentAST, params.operationName)) {
      return overSocket(params, headers);
    }
    return overHttp(params, options);
  }

  function normalised(headers) {
    try {
      const parsed = JSON.parse(headers || "{}");
      return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? JSON.stringify(parsed) : null;
    } catch {
      return null; // GraphiQL itself reports headers that are not JSON
    }
  }

  function StoplistGraphiQL() {
    const [headers, setHeaders] = React.useState(normalised(DEFAULT_HEADERS));
    const headersTimer = React.useRef(undefined);
    // A new fetcher makes GraphiQL introspect again, with the headers then in its editor: without
    // a key the schema is refused, so docs and completion appear once a valid key is pasted.
    const introspectingFetcher = React.useMemo(() => (params, options) => fetcher(params, options), [headers]);
    const onEditHeaders = React.useCallback((text) => {
      clearTimeout(headersTimer.current);
      headersTimer.current = setTimeout(() => setHeaders((current) => normalised(text) || current), 400);
    }, []);
    return React.createElement(GraphiQL, {
      fetcher: introspectingFetcher,
      defaultQuery: DEFAULT_QUERY,
      defaultHeaders: DEFAULT_HEADERS,
      defaultEditorToolsVisibility: "headers",
      isHeadersEditorEnabled: true,
      onEditHeaders,
    });
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(StoplistGraphiQL));
})();
