package refiners.mesh.orchestrator.security;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.Json;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import refiners.mesh.orchestrator.OrchestratorConfig;
import refiners.mesh.orchestrator.rest.A1111Error;
import refiners.mesh.orchestrator.rest.ErrorBody;
import refiners.mesh.orchestrator.rest.OpenAiError;

/**
 * HTTP requests (REST) carry a valid key in their Authorization header, or get 401 with the mesh's JSON error body
 * (OpenAI's and A1111's on theirs);
 * paths under refiners.orchestrator.api-keys-open-paths (health and metrics by default) stay open, and so does the
 * playground page (GET /, /index.html, /playground/...: static files holding no data; the page sends the key it is
 * given with its API calls). gRPC has its own check
 * ({@link ApiKeyInterceptor}).
 */
@ApplicationScoped
public class ApiKeyFilter {
    @Inject
    ApiKeys keys;
    @Inject
    OrchestratorConfig config;

    void register(@Observes Filters filters) {
        filters.register(this::check, 100);
    }

    private void check(RoutingContext rc) {
        String contentType = rc.request().getHeader("content-type");
        if (!keys.required() || (contentType != null && contentType.startsWith("application/grpc")) || open(rc.normalizedPath()) || page(rc)
                || keys.accepts(rc.request().getHeader("authorization"))) {
            rc.next();
            return;
        }
        rc.response().setStatusCode(401).putHeader("www-authenticate", "Bearer").putHeader("content-type", "application/json")
                .end(Json.encode(refusal(rc.normalizedPath())));
    }

    /** The refusal in the route's error shape: OpenAI's and A1111's clients read their own. */
    private static Object refusal(String path) {
        if (OpenAiError.route(path)) return new OpenAiError(new OpenAiError.Detail(ApiKeys.refusal(), "authentication_error", null, "invalid_api_key"));
        if (A1111Error.route(path)) return new A1111Error.Other("UNAUTHENTICATED", ApiKeys.refusal());
        return new ErrorBody("UNAUTHENTICATED", null, ApiKeys.refusal());
    }

    private static boolean page(RoutingContext rc) {
        String path = rc.normalizedPath();
        return (rc.request().method() == HttpMethod.GET || rc.request().method() == HttpMethod.HEAD)
                && (path.equals("/") || path.equals("/index.html") || path.startsWith("/playground/"));
    }

    private boolean open(String path) {
        for (String p : config.apiKeysOpenPaths()) if (path.equals(p) || path.startsWith(p.endsWith("/") ? p : p + "/")) return true;
        return false;
    }
}
