package dev.lifeline.chaos;

import dev.lifeline.testing.FaultProxy;
import java.net.URI;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One chaos row's network, fresh for every test: a {@link ChaosServer} and a {@link FaultProxy} in
 * front of it. Register with {@code @RegisterExtension final ChaosNetwork network = new
 * ChaosNetwork();}; both are closed after the test.
 */
final class ChaosNetwork implements BeforeEachCallback, AfterEachCallback {

  private ChaosServer server;
  private FaultProxy proxy;

  @Override
  public void beforeEach(ExtensionContext context) {
    server = ChaosServer.start();
    proxy = FaultProxy.start(server.address());
  }

  @Override
  public void afterEach(ExtensionContext context) {
    proxy.close();
    server.close();
  }

  ChaosServer server() {
    return server;
  }

  FaultProxy proxy() {
    return proxy;
  }

  /** The address of {@code path} on the server, through the proxy. */
  URI uri(String path) {
    return ChaosServer.uri(proxy, path);
  }
}
