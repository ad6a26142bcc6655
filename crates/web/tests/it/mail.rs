//! E-mail through a real SMTP conversation: a small SMTP server on a loopback port receives
//! what lettre sends, and the outbox records it as sent.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Accepts SMTP sessions and keeps each message's DATA.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut in_data = false;
                let mut data = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            store.lock().unwrap().push(std::mem::take(&mut data));
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let verb = line
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 sink\r\n",
                        "DATA" => {
                            in_data = true;
                            b"354 go on\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, received)
}

#[tokio::test]
async fn verification_mail_goes_out_through_smtp() {
    for t in tequio_testkit::databases().await {
        let name = t.name;
        let (port, received) = smtp_sink().await;
        let app = crate::common::spawn_with(t, |s| {
            s.smtp_url = Some(format!("smtp+plain://127.0.0.1:{port}"))
        })
        .await;
        let b = app.browser();
        let res = b
            .post(app.url("/registro"))
            .form(&[
                ("display_name", "Luz"),
                ("email", "luz@example.mx"),
                ("password", "una frase bastante larga"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{name}");
        // Delivery happens after the commit, in the background: wait for it.
        let mut status = String::new();
        for _ in 0..100 {
            status = tequio_store::accounts::list_outbox(&app.db, 1)
                .await
                .unwrap()[0]
                .status
                .clone();
            if status != "pending" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(status, "sent", "{name}");
        let messages = received.lock().unwrap().clone();
        assert_eq!(messages.len(), 1, "{name}");
        assert!(
            messages[0].contains("To: luz@example.mx"),
            "{name}: {}",
            messages[0]
        );
        assert!(
            messages[0].contains("Subject: Verifica tu correo en Tequio"),
            "{name}: {}",
            messages[0]
        );
    }
}
