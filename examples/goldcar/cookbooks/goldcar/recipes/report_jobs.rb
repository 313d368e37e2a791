#
# Cookbook:: goldcar
# Recipe:: report_jobs
#
# Deploy: the nightly report jobs as a systemd timer (no cron daemon on
# Amazon Linux 2023).

user_name = node['goldcar']['report_user']
reports_dir = node['goldcar']['reports_dir']

template '/usr/local/bin/goldcar-report' do
  source 'goldcar-report.erb'
  owner 'root'
  group 'root'
  mode '0755'
  variables(reports_dir: reports_dir, currency: node['goldcar']['currency'])
end

systemd_unit 'goldcar-report.service' do
  content(
    'Unit' => { 'Description' => 'Goldcar nightly reports' },
    'Service' => {
      'Type' => 'oneshot',
      'User' => user_name,
      'ExecStart' => '/usr/local/bin/goldcar-report',
    }
  )
  action :create
end

systemd_unit 'goldcar-report.timer' do
  content(
    'Unit' => { 'Description' => 'Run the Goldcar reports every night' },
    'Timer' => { 'OnCalendar' => '*-*-* 02:30:00', 'Persistent' => 'true' },
    'Install' => { 'WantedBy' => 'timers.target' }
  )
  action [:create, :enable, :start]
end
