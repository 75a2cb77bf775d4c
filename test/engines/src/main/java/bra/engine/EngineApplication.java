package bra.engine;

import jakarta.servlet.Filter;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Profile;

/**
 * A live engine for the tests: the engine's Spring Boot starter with engine-rest, nothing else.
 * The same class serves Camunda 7 CE and Operaton; the only engine-specific names (the Java package,
 * the property prefix) come from application.yaml, filled in per Maven profile.
 */
@SpringBootApplication
public class EngineApplication {
  public static void main(String[] args) {
    SpringApplication.run(EngineApplication.class, args);
  }

  /**
   * The bean a model's {@code camunda:expression="${publisher.publish(execution)}"} calls (test/fixtures/
   * process-data/review.bpmn), as a team's application would provide it; the engine runs it, the tests read
   * that it ran from the engine's history.
   */
  @Bean
  Publisher publisher() {
    return new Publisher();
  }

  public static class Publisher {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Publisher.class);

    /** {@code execution}: the engine's DelegateExecution (its package differs per engine, hence Object) */
    public void publish(Object execution) {
      LOG.info("publisher.publish({})", execution);
    }
  }

  /**
   * HTTP Basic on engine-rest (Spring profile {@code basic-auth}), with the engine's own filter and provider,
   * as the engine-rest docs set it up in web.xml: users are checked against the engine's identity service
   * (the admin user from application.yaml). Loaded by name because the package differs per engine.
   */
  @Bean
  @Profile("basic-auth")
  FilterRegistrationBean<Filter> engineRestBasicAuth(@Value("${bra.engine-package}") String pkg) throws ReflectiveOperationException {
    Filter filter = (Filter) Class.forName(pkg + ".engine.rest.security.auth.ProcessEngineAuthenticationFilter").getDeclaredConstructor().newInstance();
    FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>(filter);
    registration.addUrlPatterns("/engine-rest/*");
    registration.addInitParameter("authentication-provider", pkg + ".engine.rest.security.auth.impl.HttpBasicAuthenticationProvider");
    return registration;
  }
}
