import Foundation
import Testing

/// The shipped config/mosquitto.conf and config/mosquitto-acl, on the broker scripts/stack
/// runs with them (`INGESTD_MQTT_ACL_URL`). `observer` is the stack's test account that reads
/// everything: what it does not see, the ACL stopped. Each test ends its publishes with one
/// the ACL allows, from the same client; the broker keeps one client's messages in order, so
/// once that one arrived, a refused message would have arrived before it.
extension StackTests {
@Suite struct BrokerACLTests {
    /// A site of its own per test, so tests never see each other's messages.
    let site = "acl\(UInt32.random(in: 0...UInt32.max))"

    @Test("a device publishes its own readings, battery telemetry and machine events, but none as another device")
    func aDevicePublishesOnlyAsItself() throws {
        let observer = try BrokerAccount("observer", subscribe: "plant/\(site)/#")
        let dev1 = try BrokerAccount("dev1")
        #expect(dev1.connectResult == 0)
        let asAnother = ["plant/\(site)/l1/sensor/dev2/temp", "plant/\(site)/battery/dev2/telemetry", "plant/\(site)/l1/machine/dev2/events"]
        let own = ["plant/\(site)/l1/sensor/dev1/temp", "plant/\(site)/battery/dev1/telemetry", "plant/\(site)/l1/machine/dev1/events"]
        for topic in asAnother { dev1.publish(topic, "forged") }
        for (i, topic) in own.enumerated() { dev1.publish(topic, "own-\(i)") }
        for i in own.indices { #expect(observer.waitFor(payload: "own-\(i)"), "seen: \(observer.messages)") }
        #expect(!observer.messages.contains { $0.hasSuffix(" forged") }, "seen: \(observer.messages)")
    }

    @Test("a device's client id is its user name: connecting with ingestd's id neither refuses it nor disconnects ingestd")
    func aDeviceCannotTakeIngestdsClientID() throws {
        let dbURL = try TestStack.freshDatabase("acl")
        let config = try writeIngestdConfig(databaseURL: dbURL)
        let daemon = try TestStack.startIngestd(config: config)
        let thief = try BrokerAccount("dev1", clientID: "ingestd")
        #expect(thief.connectResult == 0)
        // ingestd still reads: the reading published after the attempt is stored...
        thief.publish("plant/\(site)/l1/sensor/dev1/temp", "{\"value\": 21.5}")
        let sql = "SELECT count(*) FROM sensor_readings WHERE site = '\(site)'"
        #expect(TestStack.waitForCount(dbURL, sql, atLeast: 1, timeout: 15) == 1, "ingestd log:\n\(daemon.output)")
        // ...on the connection it had: the broker never closed it for a newcomer with its id.
        let log = daemon.output
        #expect(!log.contains("connection to the broker lost"), "ingestd log:\n\(log)")
        #expect(log.components(separatedBy: "subscribed").count - 1 == 1, "ingestd log:\n\(log)")
        #expect(daemon.terminate() == 0)
    }

    @Test("a tablet sets its own equipment's state and no other's")
    func aTabletSetsOnlyItsEquipmentsState() throws {
        // The ACL's example tablet: press1 of line l1 in site s1.
        let observer = try BrokerAccount("observer", subscribe: "plant/s1/l1/equipment/#")
        let tablet = try BrokerAccount("tablet-s1-l1-press1")
        #expect(tablet.connectResult == 0)
        let marker = "\(site)"
        tablet.publish("plant/s1/l1/equipment/press2/state", "forged-\(marker)")
        tablet.publish("plant/s2/l1/equipment/press1/state", "forged-\(marker)")
        tablet.publish("plant/s1/l1/sensor/press1/temp", "forged-\(marker)")
        tablet.publish("plant/s1/l1/equipment/press1/state", "own-\(marker)")
        #expect(observer.waitFor(payload: "own-\(marker)"), "seen: \(observer.messages)")
        #expect(!observer.messages.contains { $0.hasSuffix("forged-\(marker)") }, "seen: \(observer.messages)")
    }

    @Test("ingestd's account reads the device topics and writes under ingestd/ only; any account reads ingestd/state")
    func ingestdReadsDevicesAndWritesOnlyUnderItsPrefix() throws {
        let observer = try BrokerAccount("observer", subscribe: "#")
        let ingestd = try BrokerAccount("ingestd", subscribe: "plant/\(site)/#")
        #expect(ingestd.connectResult == 0)
        let board = try BrokerAccount("dev2", subscribe: "#")  // a device reading all it may
        let dev1 = try BrokerAccount("dev1")
        dev1.publish("plant/\(site)/l1/sensor/dev1/temp", "reading-\(site)")
        #expect(ingestd.waitFor(payload: "reading-\(site)"), "ingestd's account got: \(ingestd.messages)")
        ingestd.publish("plant/\(site)/l1/sensor/dev2/temp", "forged-\(site)")
        ingestd.publish("elsewhere/\(site)", "forged-\(site)")
        ingestd.publish("ingestd/state/\(site)/l1/press1", "state-\(site)")
        #expect(observer.waitFor(payload: "state-\(site)"), "seen: \(observer.messages)")
        #expect(!observer.messages.contains { $0.hasSuffix(" forged-\(site)") }, "seen: \(observer.messages)")
        // dev2 sees the equipment board, and not dev1's reading.
        #expect(board.waitFor(payload: "state-\(site)"), "dev2 got: \(board.messages)")
        #expect(!board.messages.contains { $0.hasSuffix(" reading-\(site)") }, "dev2 got: \(board.messages)")
    }

    @Test("a client without an account is refused")
    func anonymousIsRefused() throws {
        let stranger = try BrokerAccount("nobody")
        #expect(stranger.connectResult == 5)  // CONNACK 5: not authorised
    }

    /// ingestd on the ACL broker as the ACL expects it: user and client id `ingestd`, its
    /// routes under plant/, its prefix ingestd/.
    func writeIngestdConfig(databaseURL: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ingestd-it-\(site)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let secret = try TestStack.secretFile("ingestd-secret\n")
        let yaml = """
        mqtt:
          url: \(try BrokerAccount.url)
          client_id: ingestd
          username: ingestd
          password_file: \(secret)
        database:
          url: \(databaseURL)
        journal:
          path: \(dir.path)/journal
        routes:
          - topic: plant/{site}/{line}/sensor/{device}/{metric}
            family: sensor
          - topic: plant/{site}/battery/{battery}/telemetry
            family: battery
          - topic: plant/{site}/{line}/equipment/{equipment}/state
            family: equipment_state
          - topic: plant/{site}/{line}/machine/{machine}/events
            family: machine_event
        """
        let file = dir.appendingPathComponent("ingestd.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }
}
}
