package dev.lifeline.spring.boot;

import dev.lifeline.SupervisedConnection;
import dev.lifeline.micrometer.LifelineMetrics;
import dev.lifeline.netty.ServerSupervisor;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import reactor.core.Disposable;

/**
 * Binds every {@link SupervisedConnection} bean and the {@link ServerSupervisor} bean to each
 * registry Spring Boot hands it ({@link LifelineMetrics}' meters), and unbinds them when the
 * context closes. State: the bindings, under this object's monitor.
 */
final class LifelineMeterBinder implements MeterBinder, DisposableBean {
  private final ObjectProvider<SupervisedConnection> connections;
  private final ObjectProvider<ServerSupervisor> servers;
  private final String serverName;
  private final List<Disposable> bindings = new ArrayList<>();

  LifelineMeterBinder(
      ObjectProvider<SupervisedConnection> connections,
      ObjectProvider<ServerSupervisor> servers,
      String serverName) {
    this.connections = connections;
    this.servers = servers;
    this.serverName = serverName;
  }

  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    connections.orderedStream().forEach(c -> bindings.add(LifelineMetrics.bind(registry, c)));
    ServerSupervisor server = servers.getIfUnique();
    if (server != null) {
      bindings.add(LifelineMetrics.bind(registry, serverName, server));
    }
  }

  @Override
  public synchronized void destroy() {
    bindings.forEach(Disposable::dispose);
    bindings.clear();
  }
}
