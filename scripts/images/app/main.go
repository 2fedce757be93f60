// Command app is the small service image used by the end-to-end tests for the storefront and
// inventory services. It proves the path through the gateway (it echoes the request it received)
// and the link to the database behind the alias `db` (it reads and writes a row there).
//
//	GET  /healthz         "ok" (no database access)
//	GET  /db[?id=N]       the newest row (or row N) of table kv in DB_NAME, plus the server's version and hostname
//	POST /db?value=TEXT   inserts a row (value from the query, else the request body) and returns it
//	any other request     {"service", "method", "path", "query", "host", "remote_addr", "headers"} as JSON
//
// Environment: SERVICE_NAME (default: the hostname), PORT (8080), DB_HOST (db), DB_PORT (3306),
// DB_USER (root), DB_PASSWORD (else MYSQL_ROOT_PASSWORD / MARIADB_ROOT_PASSWORD), DB_NAME (app; created
// if missing when the user may). `app healthcheck` exits 0 when GET /healthz answers 200 (for Docker's
// HEALTHCHECK in an image without curl).
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
)

type config struct {
	service, port, dbHost, dbPort, dbUser, dbPassword, dbName string
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func loadConfig() config {
	host, _ := os.Hostname()
	return config{
		service:    env("SERVICE_NAME", host),
		port:       env("PORT", "8080"),
		dbHost:     env("DB_HOST", "db"),
		dbPort:     env("DB_PORT", "3306"),
		dbUser:     env("DB_USER", "root"),
		dbPassword: env("DB_PASSWORD", env("MYSQL_ROOT_PASSWORD", env("MARIADB_ROOT_PASSWORD", ""))),
		dbName:     env("DB_NAME", "app"),
	}
}

type server struct {
	cfg config
	mu  sync.Mutex
	db  *sql.DB
}

func (s *server) dsn(database string) string {
	c := mysql.NewConfig()
	c.User = s.cfg.dbUser
	c.Passwd = s.cfg.dbPassword
	c.Net = "tcp"
	c.Addr = net.JoinHostPort(s.cfg.dbHost, s.cfg.dbPort)
	c.DBName = database
	c.Timeout = 5 * time.Second
	c.ReadTimeout = 10 * time.Second
	c.WriteTimeout = 10 * time.Second
	c.ParseTime = true
	return c.FormatDSN()
}

// database opens (once) the connection pool, creating the database and table when missing.
func (s *server) database(ctx context.Context) (*sql.DB, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db != nil {
		return s.db, nil
	}
	boot, err := sql.Open("mysql", s.dsn(""))
	if err != nil {
		return nil, err
	}
	defer boot.Close()
	if _, err := boot.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS `"+strings.ReplaceAll(s.cfg.dbName, "`", "``")+"`"); err != nil {
		var me *mysql.MySQLError
		// A user without CREATE may still use an existing database.
		if !errors.As(err, &me) || (me.Number != 1044 && me.Number != 1142) {
			return nil, fmt.Errorf("create database %q: %w", s.cfg.dbName, err)
		}
	}
	db, err := sql.Open("mysql", s.dsn(s.cfg.dbName))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(8)
	db.SetConnMaxLifetime(time.Minute)
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS kv (
		id BIGINT AUTO_INCREMENT PRIMARY KEY,
		value VARCHAR(1024) NOT NULL,
		written_by VARCHAR(255) NOT NULL,
		created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))`); err != nil {
		db.Close()
		return nil, fmt.Errorf("create table kv: %w", err)
	}
	s.db = db
	return db, nil
}

type row struct {
	ID        int64     `json:"id"`
	Value     string    `json:"value"`
	WrittenBy string    `json:"written_by"`
	CreatedAt time.Time `json:"created_at"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func (s *server) fail(w http.ResponseWriter, status int, err error) {
	log.Printf("error: %v", err)
	writeJSON(w, status, map[string]any{"service": s.cfg.service, "error": err.Error()})
}

func (s *server) handleDB(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	db, err := s.database(ctx)
	if err != nil {
		s.fail(w, http.StatusServiceUnavailable, err)
		return
	}
	var version, dbHostname string
	if err := db.QueryRowContext(ctx, "SELECT VERSION(), @@hostname").Scan(&version, &dbHostname); err != nil {
		s.fail(w, http.StatusServiceUnavailable, err)
		return
	}
	out := map[string]any{"service": s.cfg.service, "db_host": s.cfg.dbHost, "database": s.cfg.dbName,
		"server_version": version, "server_hostname": dbHostname}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		q := "SELECT id, value, written_by, created_at FROM kv ORDER BY id DESC LIMIT 1"
		args := []any{}
		if id := r.URL.Query().Get("id"); id != "" {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				s.fail(w, http.StatusBadRequest, fmt.Errorf("id %q is not an integer", id))
				return
			}
			q, args = "SELECT id, value, written_by, created_at FROM kv WHERE id = ?", []any{n}
		}
		var rw row
		err := db.QueryRowContext(ctx, q, args...).Scan(&rw.ID, &rw.Value, &rw.WrittenBy, &rw.CreatedAt)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			out["row"] = nil
			writeJSON(w, http.StatusNotFound, out)
		case err != nil:
			s.fail(w, http.StatusServiceUnavailable, err)
		default:
			out["row"] = rw
			writeJSON(w, http.StatusOK, out)
		}
	case http.MethodPost, http.MethodPut:
		value := r.URL.Query().Get("value")
		if value == "" {
			b, _ := io.ReadAll(io.LimitReader(r.Body, 1024))
			value = strings.TrimSpace(string(b))
		}
		if value == "" {
			s.fail(w, http.StatusBadRequest, errors.New("give the value as ?value=TEXT or as the request body"))
			return
		}
		res, err := db.ExecContext(ctx, "INSERT INTO kv (value, written_by) VALUES (?, ?)", value, s.cfg.service)
		if err != nil {
			s.fail(w, http.StatusServiceUnavailable, err)
			return
		}
		id, _ := res.LastInsertId()
		var rw row
		if err := db.QueryRowContext(ctx, "SELECT id, value, written_by, created_at FROM kv WHERE id = ?", id).
			Scan(&rw.ID, &rw.Value, &rw.WrittenBy, &rw.CreatedAt); err != nil {
			s.fail(w, http.StatusServiceUnavailable, err)
			return
		}
		out["row"] = rw
		writeJSON(w, http.StatusCreated, out)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST, PUT")
		s.fail(w, http.StatusMethodNotAllowed, fmt.Errorf("method %s not allowed on /db", r.Method))
	}
}

func (s *server) handleEcho(w http.ResponseWriter, r *http.Request) {
	headers := map[string]string{}
	for k, v := range r.Header {
		headers[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"service": s.cfg.service, "method": r.Method, "path": r.URL.Path, "query": r.URL.RawQuery,
		"host": r.Host, "remote_addr": r.RemoteAddr, "headers": headers,
	})
}

func healthcheck(port string) int {
	c := http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get("http://127.0.0.1:" + port + "/healthz")
	if err != nil {
		fmt.Fprintln(os.Stderr, "healthcheck:", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "healthcheck: status", resp.StatusCode)
		return 1
	}
	return 0
}

func main() {
	cfg := loadConfig()
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		os.Exit(healthcheck(cfg.port))
	}
	s := &server{cfg: cfg}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("/db", s.handleDB)
	mux.HandleFunc("/", s.handleEcho)
	srv := &http.Server{Addr: ":" + cfg.port, Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	log.Printf("%s listening on :%s (database %s@%s:%s/%s)", cfg.service, cfg.port, cfg.dbUser, cfg.dbHost, cfg.dbPort, cfg.dbName)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
