// hoks-gateway's own: starts GraphiQL from the bundles served beside this file.
// What the server wants shown comes as JSON in #hoks-graphiql-config, read with JSON.parse. A demo
// link's token comes in the `headers` query parameter (hoks_gateway.auth.demo.graphiql_link) and
// goes into every tab's Headers editor.
(function () {
  "use strict";
  var container = document.getElementById("graphiql");

  function linkHeaders() {
    var given = new URLSearchParams(window.location.search).get("headers");
    if (!given) {
      return undefined;
    }
    try {
      return JSON.stringify(JSON.parse(given), null, 2);
    } catch (error) {
      return given; // shown as given: GraphiQL says what is wrong with it
    }
  }

  if (!window.React || !window.ReactDOM || !window.GraphiQL || !window.GraphiQLPluginExplorer) {
    container.textContent =
      "GraphiQL could not start: its scripts did not load. The browser console says why.";
    return;
  }
  var config = JSON.parse(document.getElementById("hoks-graphiql-config").textContent);
  var headers = linkHeaders();
  var queries = [config.welcome].concat(
    config.examples.map(function (example) {
      return example.query;
    }),
  );
  var props = {
    fetcher: GraphiQL.createFetcher({ url: window.location.pathname }),
    defaultTabs: queries.map(function (query) {
      return { query: query, headers: headers };
    }),
    // A tab opened later, and the open tab of an earlier visit, get the link's token too.
    defaultHeaders: headers,
    headers: headers,
    defaultEditorToolsVisibility: headers ? "headers" : true,
    isHeadersEditorEnabled: true,
    // Tokens stay out of the browser's storage: open the link again for a new session.
    shouldPersistHeaders: false,
    inputValueDeprecation: true,
    plugins: [GraphiQLPluginExplorer.explorerPlugin()],
  };
  ReactDOM.createRoot(container).render(React.createElement(GraphiQL, props));
})();
