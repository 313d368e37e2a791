# Renders the built-in cookbooks' templates and helpers with adversarial
# values, with Ruby's own ERB and a stand-in for Chef's template context
# (instance variables plus stackc_base's escape library), and checks that no
# value adds a line, a directive, a variable or a command: each is quoted
# for its target or refused. Run by compiler/cli/tests/cookbooks.rs with the
# repository as the first argument.

require 'erb'
require 'minitest/autorun'
require 'open3'
require 'tmpdir'

REPO = ARGV.fetch(0)
require File.join(REPO, 'cookbooks/stackc_base/libraries/escape.rb')
require File.join(REPO, 'cookbooks/stackc_base/libraries/system.rb')

# What Chef hands a template: its variables as instance variables, and the
# helpers every template may call.
class Context
  include StackcEscape

  def initialize(vars)
    vars.each { |k, v| instance_variable_set("@#{k}", v) }
  end

  def render(path)
    ERB.new(File.read(File.join(REPO, path)), trim_mode: '-').result(binding)
  end
end

EVIL = [
  "public\n</Directory>\n<Directory />\nRequire all granted",
  'public" "/etc',
  'public$(touch /tmp/pwned)',
  "public\r\nAlias / /etc/",
  '../../../etc',
  'pub lic',
  'public;root /etc',
].freeze

class EscapeTest < Minitest::Test
  def vhost(site)
    Context.new(name: 'shop', port: 80, sites: [site], current: '/srv/www/shop/current',
                socket: '/run/php-fpm/shop.sock', log_dir: '/var/log/httpd')
           .render('cookbooks/php_app/templates/vhost.conf.erb')
  end

  def nginx(site)
    Context.new(name: 'shop', port: 80, sites: [site], current: '/srv/www/shop/current',
                gzip: true, max_age: 60)
           .render('cookbooks/static_web/templates/site.conf.erb')
  end

  def test_apache_virtual_host_quotes_roots_and_refuses_what_would_add_a_directive
    good = vhost('domain' => 'www.shop.example', 'aliases' => ['shop.example'], 'document_root' => 'public')
    assert_includes good, %(DocumentRoot "/srv/www/shop/current/public")
    assert_includes good, %(<Directory "/srv/www/shop/current/public">)
    assert_equal 1, good.scan('<Directory').size
    EVIL.each do |root|
      assert_raises(StackcEscape::UnsafeValue, root.inspect) do
        vhost('domain' => 'www.shop.example', 'aliases' => [], 'document_root' => root)
      end
    end
    ["www.shop.example\nAlias / /etc/", 'shop.example /etc', 'x"y'].each do |host|
      assert_raises(StackcEscape::UnsafeValue, host.inspect) do
        vhost('domain' => 'www.shop.example', 'aliases' => [host], 'document_root' => 'public')
      end
    end
  end

  def test_nginx_server_block_quotes_the_root_and_refuses_the_rest
    good = nginx('domain' => 'shop.example', 'aliases' => [], 'document_root' => '')
    assert_includes good, %(root "/srv/www/shop/current";)
    (EVIL + ['public$uri', 'a{b}']).each do |root|
      assert_raises(StackcEscape::UnsafeValue, root.inspect) do
        nginx('domain' => 'shop.example', 'aliases' => [], 'document_root' => root)
      end
    end
  end

  def test_php_fpm_pool_refuses_a_user_that_would_add_a_setting
    ctx = ->(user) { Context.new(name: 'shop', user: user, group: 'apache', socket: '/run/php-fpm/shop.sock', max_children: 20, memory_limit_mb: 256, upload_max_mb: 16) }
    assert_includes ctx.call('deploy').render('cookbooks/php_app/templates/pool.conf.erb'), "user = deploy\n"
    assert_raises(StackcEscape::UnsafeValue) { ctx.call("deploy\nphp_admin_value[open_basedir] = /").render('cookbooks/php_app/templates/pool.conf.erb') }
  end

  def test_haproxy_health_check_path_is_one_word
    ctx = ->(path) { Context.new(backends: { 'web' => [{ 'name' => 'web-1', 'address' => '10.0.0.1:80' }] }, balance: 'roundrobin', health_check_path: path, stats: false) }
    assert_includes ctx.call('/health?full=1').render('cookbooks/haproxy/templates/haproxy.cfg.erb'), "option httpchk GET /health?full=1\n"
    ["/health\n    stats enable", '/x y', '/#', '/"a"'].each do |path|
      assert_raises(StackcEscape::UnsafeValue, path.inspect) { ctx.call(path).render('cookbooks/haproxy/templates/haproxy.cfg.erb') }
    end
  end

  def test_load_metric_script_quotes_for_the_shell
    out = Context.new(region: 'eu-west-1', namespace: 'CWAgent', group_name: 'a b;$(touch /tmp/x)')
                 .render('cookbooks/stackc_base/templates/load-metric.sh.erb')
    assert_includes out, 'AutoScalingGroupName=a\\ b\\;\\$\\(touch\\ /tmp/x\\)'
  end

  # Sources the .env file in `shell` with a clean environment and prints
  # the variables it defines, NUL-separated.
  def source_env(shell, text)
    Dir.mktmpdir do |dir|
      File.write(File.join(dir, '.env'), text)
      out, err, status = Open3.capture3('env', '-i', shell, '-c',
                                        "set -a; . ./.env; unset PWD SHLVL OLDPWD _; env -0; ls -A",
                                        chdir: dir)
      assert status.success?, err
      vars, listing = out.split("\0").partition { |l| l.include?('=') }
      [vars.map { |l| l.split('=', 2) }.to_h, listing.join.split("\n")]
    end
  end

  def test_env_file_keeps_every_value_literal_in_sh_dash_and_bash
    env = {
      'INJECT' => "x\"\nEVIL=1\n",
      'SUBST' => '$(touch pwned)`touch pwned2`${HOME}',
      'QUOTES' => %q(it's "quoted" \\ back\\"slash),
      'PEM' => "-----BEGIN KEY-----\nabc\n-----END KEY-----",
      'EMPTY' => '',
    }
    text = StackcEscape.stackc_env_lines(env)
    %w(sh dash bash).each do |shell|
      vars, files = source_env(shell, text)
      assert_equal env, vars.reject { |k, _| k == 'EVIL' }.select { |k, _| env.key?(k) }, shell
      refute vars.key?('EVIL'), "#{shell}: a value added a variable"
      assert_equal ['.env'], files, "#{shell}: a value ran a command"
    end
    assert_raises(StackcEscape::UnsafeValue) { StackcEscape.stackc_env_lines("A\nB" => 'x') }
    assert_raises(StackcEscape::UnsafeValue) { StackcEscape.stackc_env_lines('$(id)' => 'x') }
  end

  # systemd's reading of an ExecStart line: `$$` and `%%` are one `$` and
  # `%`, double quotes group a word, and inside them `\` escapes the next
  # character.
  def systemd_argv(line)
    raise "a lone $ or % is expanded by systemd: #{line}" if line.gsub('$$', '').include?('$') || line.gsub('%%', '').include?('%')
    s = line.gsub('$$', '$').gsub('%%', '%')
    words = []
    word = nil
    quoted = false
    chars = s.chars
    until chars.empty?
      c = chars.shift
      if quoted
        if c == '\\' then word << chars.shift
        elsif c == '"' then quoted = false
        else word << c
        end
      elsif c == '"' then word ||= +''; quoted = true
      elsif c == ' ' then words << word if word; word = nil
      else (word ||= +'') << c
      end
    end
    raise "unclosed quote in #{line}" if quoted
    words << word if word
    words
  end

  def test_systemd_exec_start_hands_the_start_command_to_sh_verbatim
    command = %q(printf '%s|' "it's" '$HOME' 100% "a\"b" \\\\)
    line = StackcEscape.stackc_systemd_sh(command)
    argv = systemd_argv(line)
    assert_equal ['/bin/sh', '-c', "exec #{command}"], argv
    out, status = Open3.capture2('env', '-i', 'HOME=/home/x', *argv)
    assert status.success?
    assert_equal %q(it's|$HOME|100%|a"b|\\|), out
    assert_raises(StackcEscape::UnsafeValue) { StackcEscape.stackc_systemd_sh("npm start\nExecStartPre=/bin/rm -rf /") }
  end

  def test_git_sources_are_refs_and_remote_urls
    %w(main v1.4.2 release/2024-05 0a1b2c3d).each { |r| assert_equal r, StackcEscape.stackc_git_revision(r) }
    ['--upload-pack=touch /tmp/x', "main\n", 'a..b', 'x.lock', '-'].each do |r|
      assert_raises(StackcEscape::UnsafeValue, r.inspect) { StackcEscape.stackc_git_revision(r) }
    end
    assert StackcEscape.stackc_git_repository('https://github.com/org/app.git')
    assert StackcEscape.stackc_git_repository('git@github.com:org/app.git')
    ['file:///etc', '/etc', '--upload-pack=x', "https://x\n"].each do |u|
      assert_raises(StackcEscape::UnsafeValue, u.inspect) { StackcEscape.stackc_git_repository(u) }
    end
  end

  def test_systemd_units_are_the_same_text_on_every_client
    unit = StackcSystem.stackc_systemd_unit(
      'Unit' => { 'Description' => 'Node.js app shop (stackc)' },
      'Service' => { 'Environment' => ['PORT=3000', 'NODE_ENV=production'], 'Restart' => 'always', 'RestartSec' => 2 },
      'Install' => { 'WantedBy' => 'multi-user.target' }
    )
    assert_equal "[Unit]\nDescription=Node.js app shop (stackc)\n\n" \
                 "[Service]\nEnvironment=PORT=3000\nEnvironment=NODE_ENV=production\nRestart=always\nRestartSec=2\n\n" \
                 "[Install]\nWantedBy=multi-user.target\n", unit
    [{ 'Service' => { 'ExecStart' => "x\nExecStartPre=/bin/rm -rf /" } },
     { 'Service' => { "User\nGroup" => 'x' } },
     { "Service]\n[Unit" => { 'User' => 'x' } }].each do |bad|
      assert_raises(StackcEscape::UnsafeValue, bad.inspect) { StackcSystem.stackc_systemd_unit(bad) }
    end
  end

  def test_hosts_gets_the_instance_line_once_and_keeps_stackc_s_block
    hosts = "127.0.0.1 localhost\n10.0.1.5 old-name\n# stackc begin\n10.0.1.5 web1\n10.0.1.6 web2\n# stackc end\n"
    once = StackcSystem.stackc_hosts_with(hosts, '10.0.1.5', 'web1')
    assert_equal "127.0.0.1 localhost\n# stackc begin\n10.0.1.5 web1\n10.0.1.6 web2\n# stackc end\n10.0.1.5 web1 web1\n", once
    # Idempotent: the line is there, nothing changes.
    assert_same once, StackcSystem.stackc_hosts_with(once, '10.0.1.5', 'web1')
    assert_equal "127.0.0.1 localhost\n10.0.1.5 web1.example.com web1\n",
                 StackcSystem.stackc_hosts_with("127.0.0.1 localhost", '10.0.1.5', 'web1.example.com')
    ["web1\n10.0.0.9 bank", '*.web', '-n', 'a b'].each do |name|
      assert_raises(StackcEscape::UnsafeValue, name.inspect) { StackcSystem.stackc_machine_name(name) }
    end
  end

  def test_time_zones_are_tz_names_never_options
    %w(UTC Europe/Madrid Etc/GMT+1 America/Argentina/Buenos_Aires).each do |z|
      assert_equal z, StackcSystem.stackc_time_zone(z)
    end
    ['--help', "UTC\nEurope/Madrid", '../../etc/passwd', 'Europe/', ''].each do |z|
      assert_raises(StackcEscape::UnsafeValue, z.inspect) { StackcSystem.stackc_time_zone(z) }
    end
  end

  def test_deploy_paths_are_absolute_plain_paths
    assert_equal '/srv/www/shop', StackcEscape.stackc_path('/srv/www/shop', 'deploy_to')
    ["/srv/www/shop\n/etc", '/srv/../etc', 'srv', '/srv/a b', '/srv/$x'].each do |p|
      assert_raises(StackcEscape::UnsafeValue, p.inspect) { StackcEscape.stackc_path(p, 'deploy_to') }
    end
  end
end
