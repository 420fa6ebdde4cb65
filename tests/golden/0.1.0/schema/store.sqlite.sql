BEGIN TRANSACTION;
CREATE TABLE amparex_schema (version INTEGER NOT NULL);
INSERT INTO "amparex_schema" VALUES(2);
CREATE TABLE batches (
            id TEXT PRIMARY KEY,
            number BIGINT NOT NULL,
            status TEXT NOT NULL,
            data TEXT NOT NULL);
INSERT INTO "batches" VALUES('B-2026-0001',1,'open','{"created_at":"2027-01-01T06:05:04.123456+00:00","delivered_at":null,"id":"B-2026-0001","interface_id":"IF-CO-1","number":1,"order_ids":["O-3"],"period_key":"monthly:2026-12","receipt":null,"status":"open","total":{"amount":"4.35","currency":"EUR"}}');
INSERT INTO "batches" VALUES('B-2026-0002',42,'delivered','{"created_at":"2026-07-15T23:59:59+02:00","delivered_at":"2026-07-16T00:02:59+02:00","id":"B-2026-0002","interface_id":"IF-CO-1","number":42,"order_ids":["O-2"],"period_key":"daily:2026-07-15","receipt":"sftp:/in/B-2026-0002.pdf (1234 bytes)","status":"delivered","total":{"amount":"15.00","currency":"EUR"}}');
CREATE TABLE card_templates (key TEXT PRIMARY KEY, data TEXT NOT NULL);
INSERT INTO "card_templates" VALUES('basis','{"card_type":"chip","comment":null,"cover_letter":null,"document_template":"DOC-CARD","gift_box":false,"interval":"weekly","kind":"customer","name":"BASIS","roller_clip":false,"ship_to":"ordering_branch","validity_required":false}');
INSERT INTO "card_templates" VALUES('gold kundenkarte','{"card_type":"nfc_rfid","comment":"Bitte mit Geschenkbox – „Danke“","cover_letter":"DOC-LETTER","document_template":"DOC-CARD","gift_box":true,"interval":"daily","kind":"customer","name":"GOLD Kundenkarte","roller_clip":false,"ship_to":"customer","validity_required":true}');
INSERT INTO "card_templates" VALUES('platin mitarbeiter','{"card_type":"chip","comment":null,"cover_letter":null,"document_template":"DOC-STAFF","gift_box":true,"interval":"monthly","kind":"employee","name":"PLATIN Mitarbeiter","roller_clip":true,"ship_to":"customer_branch","validity_required":false}');
CREATE TABLE cards (
            number TEXT PRIMARY KEY,
            uid TEXT UNIQUE,
            data TEXT NOT NULL);
INSERT INTO "cards" VALUES('927600000032','0A0B0C0D','{"blocked_at":"2026-12-04T06:05:04.123456+00:00","card_type":"chip","holder":{"id":"M-7","kind":"employee"},"issued_on":"2026-12-01","kind":"employee","number":"927600000032","order_id":"O-3","uid":"0A0B0C0D","valid_until":"2027-01-31"}');
INSERT INTO "cards" VALUES('927600000024','04A22B9C1180','{"blocked_at":null,"card_type":"nfc_rfid","holder":{"id":"K-1002","kind":"customer"},"issued_on":"2026-07-15","kind":"customer","number":"927600000024","order_id":"O-2","uid":"04A22B9C1180","valid_until":"2028-12-31"}');
INSERT INTO "cards" VALUES('927600000016',NULL,'{"blocked_at":null,"card_type":"chip","holder":{"id":"K-1001","kind":"customer"},"issued_on":"2026-11-30","kind":"customer","number":"927600000016","order_id":null,"uid":null,"valid_until":null}');
INSERT INTO "cards" VALUES('927600000040',NULL,'{"blocked_at":null,"card_type":"nfc_rfid","holder":{"id":"K-9","kind":"customer"},"issued_on":"2020-02-29","kind":"customer","number":"927600000040","order_id":null,"uid":null,"valid_until":"2021-02-28"}');
CREATE TABLE interfaces (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            unique_key TEXT NOT NULL UNIQUE,
            branch TEXT,
            workstation_key TEXT,
            data TEXT NOT NULL);
INSERT INTO "interfaces" VALUES('IF-CO-1','card_order','card_orderbranchF01kundenkarten strasse','F01',NULL,'{"branch":"F01","client_side":false,"display_name":"Kundenkarten Straße","id":"IF-CO-1","kind":"card_order","settings":{"contract":"KV-4711","customer_number":"C-100","key":"Schlüssel-ß/08\"15''"},"start":"2026-12-01","workstation":null}');
INSERT INTO "interfaces" VALUES('IF-CO-2','card_order','card_orderbranchkundenkartenbestellung bei amparex',NULL,NULL,'{"branch":null,"client_side":false,"display_name":"Kundenkartenbestellung bei AMPAREX","id":"IF-CO-2","kind":"card_order","settings":{"contract":null,"customer_number":null,"key":null},"start":null,"workstation":null}');
INSERT INTO "interfaces" VALUES('IF-LL-1','loyalty_lab','loyalty_labworkstationpc-01loyalty lab','F02','pc-01','{"branch":"F02","client_side":true,"display_name":"Loyalty Lab","id":"IF-LL-1","kind":"loyalty_lab","settings":{"customer_number":"LL-4711","directory":"/srv/loyalty","file_pattern":"{customer_number}_{statistic}_{date:%Y%m%d}.csv","statistics":{"contact_lenses":"ST-CL","customers":"ST-CU","glasses":"ST-GL","hearing_aids":"ST-HA"}},"start":"2027-01-01","workstation":"PC-01"}');
INSERT INTO "interfaces" VALUES('IF-LL-2','loyalty_lab','loyalty_labworkstationempfangloyalty lab (empfang)',NULL,'empfang','{"branch":null,"client_side":true,"display_name":"Loyalty Lab (Empfang)","id":"IF-LL-2","kind":"loyalty_lab","settings":{"customer_number":"LL-0815","directory":"C:\\LoyaltyLab\\Export","file_pattern":"{statistic}-{date:%Y-%m-%d}.csv","statistics":{"glasses":"ST-GL","hearing_aids":"ST-HA"}},"start":null,"workstation":"Empfang"}');
CREATE TABLE md_branches (id TEXT PRIMARY KEY, data TEXT NOT NULL);
INSERT INTO "md_branches" VALUES('F01','{"address":{"city":"Stuttgart","country":"DE","postal_code":"70173","street":"Königstraße 1"},"email":"f01@optik.example","id":"F01","name":"Stuttgart Mitte","phone":"0711 123456"}');
INSERT INTO "md_branches" VALUES('F02','{"id":"F02","name":"Zürich"}');
CREATE TABLE md_customers (id TEXT PRIMARY KEY, data TEXT NOT NULL);
INSERT INTO "md_customers" VALUES('K-1001','{"address":{"city":"Zürich","country":"CH","extra":"c/o Praxis","postal_code":"8001","street":"Bahnhofstrasse 5"},"email":"erika@example.org","first_name":"Erika","id":"K-1001","last_name":"Mustermann","leading_branch":"F01","salutation":"Frau"}');
INSERT INTO "md_customers" VALUES('K-1002','{"first_name":"Jörg","id":"K-1002","last_name":"Weiß"}');
CREATE TABLE md_document_templates (
            id TEXT PRIMARY KEY, data TEXT NOT NULL, content BLOB NOT NULL);
INSERT INTO "md_document_templates" VALUES('DOC-CARD','{"id":"DOC-CARD","kind":"card","media_type":"text/plain","name":"Kundenkarte"}',X'4B61727465207B636172645F6E756D6265727D20E28093207B686F6C6465725F6E616D657D');
INSERT INTO "md_document_templates" VALUES('DOC-LETTER','{"id":"DOC-LETTER","kind":"letter","media_type":"application/pdf","name":"Anschreiben"}',X'255044462D312E340A00FFFE2062696E617279');
INSERT INTO "md_document_templates" VALUES('DOC-TEXT','{"id":"DOC-TEXT","kind":"text","media_type":"text/plain","name":"Hinweis"}',X'');
CREATE TABLE md_employees (id TEXT PRIMARY KEY, data TEXT NOT NULL);
INSERT INTO "md_employees" VALUES('M-7','{"address":{"city":"Stuttgart","country":"DE","postal_code":"70173","street":"Königstraße 1"},"branch":"F01","first_name":"Max","id":"M-7","last_name":"Muster","salutation":"Herr"}');
INSERT INTO "md_employees" VALUES('M-8','{"first_name":"","id":"M-8","last_name":"Ångström"}');
CREATE TABLE md_statistic_templates (id TEXT PRIMARY KEY, data TEXT NOT NULL);
INSERT INTO "md_statistic_templates" VALUES('ST-CU','{"dialect":{"date_format":"%Y%m%d","datetime_format":"%Y%m%d%H%M%S","decimal_separator":",","encoding":"utf-8-sig","header":true,"line_terminator":"\r\n","quote_char":"\"","separator":";"},"file_format":"csv","id":"ST-CU","name":"Kundenstatistik","query":"SELECT id, name FROM customers"}');
INSERT INTO "md_statistic_templates" VALUES('ST-GL','{"dialect":{"date_format":"%d.%m.%Y","datetime_format":"%d.%m.%Y %H:%M","decimal_separator":".","encoding":"cp1252","header":false,"line_terminator":"\n","quote_char":"''","separator":","},"file_format":"csv","id":"ST-GL","name":"Brillenstatistik","query":"SELECT * FROM glasses WHERE price > 30.00"}');
INSERT INTO "md_statistic_templates" VALUES('ST-XL','{"dialect":{"date_format":"%Y%m%d","datetime_format":"%Y%m%d%H%M%S","decimal_separator":",","encoding":"utf-8-sig","header":true,"line_terminator":"\r\n","quote_char":"\"","separator":";"},"file_format":"xlsx","id":"ST-XL","name":"Export","query":"q"}');
CREATE TABLE orders (
            id TEXT PRIMARY KEY,
            process_ref TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL,
            placed_at TEXT NOT NULL,
            period_end TEXT NOT NULL,
            batch_id TEXT,
            data TEXT NOT NULL);
INSERT INTO "orders" VALUES('O-1','V-2026-0042','cancelled','2026-11-23T08:30:00.000000','2026-11-30',NULL,'{"batch_id":null,"cancelled_at":"2026-11-23T11:30:00.000005+01:00","card_number":"927600000016","contract":"KV-4711","cost_lines":[{"item":"card_chip","price":{"amount":"2.50","currency":"EUR"}}],"holder":{"id":"K-1001","kind":"customer"},"holder_name":"Erika Mustermann","id":"O-1","interface_id":"IF-CO-1","order_date":"2026-11-23","ordering_branch":"F01","period":{"end":"2026-11-30","interval":"weekly","start":"2026-11-23"},"placed_at":"2026-11-23T09:30:00+01:00","process_ref":{"process":"V-2026-0042","step":null},"recipient":{"address":{"city":"Stuttgart","country":"DE","extra":null,"postal_code":"70173","street":"Königstraße 1"},"branch":"F01","name":"Filiale Stuttgart","ship_to":"ordering_branch"},"status":"cancelled","template":{"card_type":"chip","comment":null,"cover_letter":null,"document_template":"DOC-CARD","gift_box":false,"interval":"weekly","kind":"customer","name":"BASIS","roller_clip":false,"ship_to":"ordering_branch","validity_required":false},"valid_until":null}');
INSERT INTO "orders" VALUES('O-2','V-2026-0043/3','dispatched','2026-07-14T21:59:59.000000','2026-07-15','B-2026-0002','{"batch_id":"B-2026-0002","cancelled_at":null,"card_number":"927600000024","contract":"KV-4711","cost_lines":[{"item":"card_nfc_rfid","price":{"amount":"3.90","currency":"EUR"}},{"item":"gift_box","price":{"amount":"1.10","currency":"EUR"}}],"holder":{"id":"K-1002","kind":"customer"},"holder_name":"Jörg Weiß","id":"O-2","interface_id":"IF-CO-1","order_date":"2026-07-14","ordering_branch":"F02","period":{"end":"2026-07-15","interval":"daily","start":"2026-07-14"},"placed_at":"2026-07-14T23:59:59+02:00","process_ref":{"process":"V-2026-0043","step":"3"},"recipient":{"address":{"city":"Zürich","country":"CH","extra":"c/o Praxis","postal_code":"8001","street":"Bahnhofstrasse 5"},"branch":null,"name":"Jörg Weiß","ship_to":"customer"},"status":"dispatched","template":{"card_type":"nfc_rfid","comment":"Bitte mit Geschenkbox – „Danke“","cover_letter":"DOC-LETTER","document_template":"DOC-CARD","gift_box":true,"interval":"daily","kind":"customer","name":"GOLD Kundenkarte","roller_clip":false,"ship_to":"customer","validity_required":true},"valid_until":"2028-12-31"}');
INSERT INTO "orders" VALUES('O-3','V-2026-0044/1','batched','2026-12-01T06:05:04.123456','2027-01-01','B-2026-0001','{"batch_id":"B-2026-0001","cancelled_at":null,"card_number":"927600000032","contract":"KV-4711","cost_lines":[{"item":"card_chip","price":{"amount":"2.50","currency":"EUR"}},{"item":"gift_box","price":{"amount":"1.10","currency":"EUR"}},{"item":"roller_clip","price":{"amount":"0.75","currency":"EUR"}}],"holder":{"id":"M-7","kind":"employee"},"holder_name":"Max Muster","id":"O-3","interface_id":"IF-CO-1","order_date":"2026-12-01","ordering_branch":"F01","period":{"end":"2027-01-01","interval":"monthly","start":"2026-12-01"},"placed_at":"2026-12-01T06:05:04.123456+00:00","process_ref":{"process":"V-2026-0044","step":"1"},"recipient":{"address":{"city":"Stuttgart","country":"DE","extra":null,"postal_code":"70173","street":"Königstraße 1"},"branch":"F01","name":"Filiale Stuttgart","ship_to":"customer_branch"},"status":"batched","template":{"card_type":"chip","comment":null,"cover_letter":null,"document_template":"DOC-STAFF","gift_box":true,"interval":"monthly","kind":"employee","name":"PLATIN Mitarbeiter","roller_clip":true,"ship_to":"customer_branch","validity_required":false},"valid_until":"2027-01-31"}');
CREATE TABLE serials (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO "serials" VALUES('cards',3);
INSERT INTO "serials" VALUES('batches',1);
CREATE TABLE uploads (
            destination TEXT NOT NULL,
            name TEXT NOT NULL,
            state TEXT NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (destination, name));
INSERT INTO "uploads" VALUES('IF-LL-1','LL-4711_customers_20261123.csv','claimed','{"attempts":1,"claimed_at":"2026-11-23T09:30:00+01:00","destination":"IF-LL-1","facts":{"mtime_ns":1795000000123456789,"sha256":"abababababababababababababababababababababababababababababababab","size":1234},"name":"LL-4711_customers_20261123.csv","receipt":null,"state":"claimed","uploaded_at":null}');
INSERT INTO "uploads" VALUES('IF-LL-1','LL-4711_glasses_20261123.csv','uploaded','{"attempts":1,"claimed_at":"2026-11-23T09:30:00+01:00","destination":"IF-LL-1","facts":{"mtime_ns":0,"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":0},"name":"LL-4711_glasses_20261123.csv","receipt":"/upload/LL-4711_glasses_20261123.csv (0 bytes)","state":"uploaded","uploaded_at":"2026-11-23T09:30:02.000001+01:00"}');
CREATE INDEX interfaces_place ON interfaces (kind, branch, workstation_key);
CREATE INDEX orders_status ON orders (status, period_end);
CREATE INDEX batches_number ON batches (number);
COMMIT;
