#
# Cookbook:: goldcar
# Recipe:: flush_reports
#
# Shutdown: stop the timer and finish any report in progress so nothing is
# lost when the instance goes away.

systemd_unit 'goldcar-report.timer' do
  action [:stop, :disable]
end

execute 'finish the running report' do
  command 'systemctl start --wait goldcar-report.service'
  only_if 'systemctl is-active --quiet goldcar-report.service'
end
