package dev.streamfold.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import dev.streamfold.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HealthServerTest {
  private final AtomicBoolean ready = new AtomicBoolean(true);
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private HealthServer server;
  private ManualClock clock;

  @BeforeEach
  void start() throws Exception {
    clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    server = new HealthServer("127.0.0.1:0", ready::get, clock);
    server.start();
  }

  @AfterEach
  void stop() {
    server.shutdown(Duration.ZERO);
  }

  private HttpResponse<String> call(String method, String path) throws Exception {
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody()).build();
    return client.send(r, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void rootAnswersLikeTheCollectorsHealthCheck() throws Exception {
    clock.advance(Duration.ofSeconds(90));
    HttpResponse<String> up = call("GET", "/");
    assertThat(up.statusCode()).isEqualTo(200);
    assertThat(up.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(up.body()).contains("\"status\":\"Server available\"").contains("\"upSince\":\"2026-01-01T00:00:00Z\"")
        .contains("\"uptime\":\"PT1M30S\"");

    ready.set(false);
    HttpResponse<String> down = call("GET", "/");
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(down.body()).contains("\"status\":\"Server not available\"");
    // liveness does not depend on readiness
    assertThat(call("GET", "/health/live").statusCode()).isEqualTo(200);
    assertThat(call("GET", "/health/ready").statusCode()).isEqualTo(503);
    assertThat(call("GET", "/health").statusCode()).isEqualTo(503);
  }

  @Test
  void otherPathsAndMethods() throws Exception {
    assertThat(call("GET", "/health/ready").body()).isEqualTo("{\"status\":\"ready\"}\n");
    assertThat(call("HEAD", "/health/live").statusCode()).isEqualTo(200);
    assertThat(call("GET", "/nope").statusCode()).isEqualTo(404);
    HttpResponse<String> post = call("POST", "/");
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
  }
}
