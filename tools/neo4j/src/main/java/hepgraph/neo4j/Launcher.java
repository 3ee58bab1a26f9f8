package hepgraph.neo4j;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.cli.ExecutionContext;
import org.neo4j.commandline.admin.security.SetInitialPasswordCommand;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.io.ByteUnit;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.fs.DefaultFileSystemAbstraction;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

import picocli.CommandLine;

/**
 * A Neo4j 5.26 Community DBMS for hepgraph's `pytest -m neo4j` suite, run from Maven jars because this
 * machine has no Docker and cannot download a Neo4j tarball.
 *
 * <pre>java -cp target/classes:target/lib/* hepgraph.neo4j.Launcher --home DIR [--port 7687]
 *      [--password PW] [--plugins DIR]</pre>
 *
 * The password comes from NEO4J_PASSWORD unless --password is given (an argument shows up in `ps`).
 * --port 0 picks a free port; the ready line names the real one:
 * <pre>NEO4J READY bolt://127.0.0.1:PORT gds=VERSION|none</pre>
 * SIGTERM (or Ctrl-C) shuts the DBMS down cleanly through the JVM's shutdown hook.
 */
public final class Launcher {
    private static final String HOST = "127.0.0.1";

    public static void main(String[] args) throws Exception {
        Path home = null;
        Path plugins = null;
        // Small by default: a test database holds a few thousand nodes, and CI has 2 cores / 24 GiB.
        long pageCache = 128L * 1024 * 1024;
        int port = parsePort(System.getenv().getOrDefault("NEO4J_BOLT_PORT", "7687"));
        String password = System.getenv("NEO4J_PASSWORD");
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--home" -> home = Path.of(require(args[i], value)).toAbsolutePath();
                case "--port" -> port = parsePort(require(args[i], value));
                case "--password" -> password = require(args[i], value);
                case "--plugins" -> plugins = Path.of(require(args[i], value)).toAbsolutePath();
                case "--pagecache" -> pageCache = ByteUnit.parse(require(args[i], value));
                default -> fail("unknown argument " + args[i]
                        + " (usage: --home DIR [--port N] [--password PW] [--plugins DIR] [--pagecache SIZE])");
            }
            i++;
        }
        if (home == null) fail("--home DIR is required (the DBMS's data lives under it)");
        if (password == null || password.isEmpty()) fail("set NEO4J_PASSWORD or pass --password");
        Files.createDirectories(home);

        // The initial password must be in place before the first start, or Bolt would briefly accept
        // neo4j/neo4j. This is what `neo4j-admin dbms set-initial-password` does: it seeds
        // data/dbms/auth.ini, which the system database reads once when it is created.
        boolean fresh = !Files.exists(home.resolve("data/databases/system"));
        if (fresh) {
            setInitialPassword(home, password);
        } else {
            System.out.println("neo4j: reusing " + home + "; the password is the one set on its first start");
        }

        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home)
                // Loopback only: other hosts must never reach this test server.
                .setConfig(GraphDatabaseSettings.default_listen_address, new SocketAddress(HOST))
                .setConfig(GraphDatabaseSettings.default_advertised_address, new SocketAddress(HOST))
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(HOST, port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                // The usage-data collector phones home; this machine must not talk to outside hosts.
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, pageCache)
                // A runaway query in a test should fail, not hang CI.
                .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofMinutes(5))
                // Netty's default 5 s quiet period, paid twice, made every stop take ~11 s; a
                // throwaway test server has no in-flight work worth waiting for.
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0);
        if (plugins != null) {
            // Neo4j registers procedures only from jars in the plugin directory (not from the
            // classpath); GDS also needs to be unrestricted because it reaches into kernel internals.
            builder.setConfig(GraphDatabaseSettings.plugin_dir, plugins)
                    .setConfig(GraphDatabaseSettings.procedure_unrestricted, List.of("gds.*"));
        }

        DatabaseManagementService dbms = builder.build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("neo4j: shutting down");
            dbms.shutdown();
            System.out.println("neo4j: stopped");
            System.out.flush();
            stopped.countDown();
        }, "neo4j-shutdown"));

        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        if (!db.isAvailable(Duration.ofMinutes(2).toMillis())) fail("database 'neo4j' did not become available");
        // Ask the port register rather than trusting --port, so that --port 0 reports the real port.
        var ports = ((GraphDatabaseAPI) db).getDependencyResolver().resolveDependency(ConnectorPortRegister.class);
        var bolt = ports.getLocalAddress(ConnectorType.BOLT);
        if (bolt == null) fail("the Bolt connector did not start");
        System.out.println("NEO4J READY bolt://" + HOST + ":" + bolt.getPort() + " gds=" + gdsVersion(db));
        System.out.flush();
        stopped.await();
    }

    /** GDS's version, or "none (reason)" so a missing plugin is visible in the ready line. */
    private static String gdsVersion(GraphDatabaseService db) {
        try {
            return db.executeTransactionally("RETURN gds.version() AS v", Map.of(),
                    r -> String.valueOf(r.next().get("v")));
        } catch (RuntimeException e) {
            return "none (" + e.getMessage().lines().findFirst().orElse("") + ")";
        }
    }

    private static void setInitialPassword(Path home, String password) {
        // Its success line would only be noise; a rejected password (e.g. under 8 characters) is
        // reported by picocli on stderr before we exit.
        var out = new ByteArrayOutputStream();
        var sink = new PrintStream(out, true, StandardCharsets.UTF_8);
        var context = new ExecutionContext(home, home.resolve("conf"), sink, sink, new DefaultFileSystemAbstraction());
        int rc = new CommandLine(new SetInitialPasswordCommand(context)).execute(password);
        if (rc != 0) fail(("could not set the initial password " + out.toString(StandardCharsets.UTF_8)).strip());
    }

    private static int parsePort(String text) {
        try {
            int port = Integer.parseInt(text.trim());
            if (port >= 0 && port <= 65535) return port;
        } catch (NumberFormatException ignored) {
            // fall through to the one error message
        }
        fail("port must be 0..65535, got " + text);
        return -1;
    }

    private static String require(String flag, String value) {
        if (value == null) fail(flag + " needs a value");
        return value;
    }

    private static void fail(String message) {
        System.err.println("neo4j: " + message);
        System.exit(2);
    }
}
