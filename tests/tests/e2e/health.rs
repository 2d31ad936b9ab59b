use disrupt_api::Application;

#[tokio::test]
async fn server_answers_healthz_on_a_free_port() {
    let app = Application::build("127.0.0.1:0").expect("build");
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await;
    assert!(stream.is_ok());
}
