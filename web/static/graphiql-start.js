// GraphiQL from the package's own copies of graphiql, react and react-dom, pointed at /graphql.
(function () {
  "use strict";
  var fetcher = GraphiQL.createFetcher({ url: "/graphql" });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: '{\n  search(query: "鑫达", first: 5) {\n    totalCount\n    edges { node { entity { name creditCode } publishedOn } }\n  }\n}\n',
  }));
})();
