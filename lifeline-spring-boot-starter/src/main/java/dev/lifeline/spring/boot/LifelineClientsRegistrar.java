package dev.lifeline.spring.boot;

import dev.lifeline.SupervisedConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionBuilder;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers one {@link SupervisedConnection} bean per key of {@code lifeline.clients}, named after
 * the key, made by {@link LifelineClients#connection(String)}; backs off for a key the application
 * already defines a bean of (its own bean wins).
 */
final class LifelineClientsRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware {
  private static final Logger log = LoggerFactory.getLogger(LifelineClientsRegistrar.class);

  private Environment environment;

  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public void registerBeanDefinitions(
      AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
    LifelineProperties properties =
        Binder.get(environment)
            .bind("lifeline", Bindable.of(LifelineProperties.class))
            .orElseGet(LifelineProperties::new);
    BeanFactory beans = (BeanFactory) registry;
    for (String name : properties.getClients().keySet()) {
      if (registry.containsBeanDefinition(name)) {
        log.debug(
            "lifeline.clients.{}: the application defines a bean \"{}\"; it is used instead",
            name,
            name);
        continue;
      }
      AbstractBeanDefinition definition =
          BeanDefinitionBuilder.genericBeanDefinition(
                  SupervisedConnection.class,
                  () -> beans.getBean(LifelineClients.class).connection(name))
              .setDestroyMethodName("dispose")
              .getBeanDefinition();
      registry.registerBeanDefinition(name, definition);
    }
  }
}
