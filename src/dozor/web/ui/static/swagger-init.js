// Swagger UI from the vendored bundle; calls carry the session's CSRF token.
(function () {
  "use strict";
  var holder = document.getElementById("swagger-ui");
  if (!holder || !window.SwaggerUIBundle) { return; }
  window.SwaggerUIBundle({
    url: holder.getAttribute("data-spec-url"),
    domNode: holder,
    validatorUrl: null,
    deepLinking: true,
    requestInterceptor: function (request) {
      var token = window.dozor ? window.dozor.csrfToken() : "";
      if (token) { request.headers["X-CSRF-Token"] = token; }
      return request;
    },
  });
})();
